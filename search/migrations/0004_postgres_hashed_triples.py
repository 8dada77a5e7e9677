"""PostgreSQL: the hashed keys of every three adjacent words (``search.query.hashed_triples``) are added
to existing ``tsv_pairs`` vectors, read back from the pairs there (consecutive positions "a_b", "b_c" are
the triple "a b c"). A phrase query asks for them, so a vector without them would not match. SQLite:
nothing (it indexes the triples themselves)."""

import re
from typing import Any

from django.db import migrations

_LEXEME = re.compile(r"'((?:[^']|'')*)':([0-9,]+)")


def triple_keys(tsv_pairs: str) -> str:
    """The hashed triple keys a pairs vector (text form) implies, as a tsvector literal (positions 1…)."""
    from search.query import hashed_triples

    at: dict[int, str] = {}
    for lexeme, positions in _LEXEME.findall(tsv_pairs):
        token = lexeme.replace("''", "'")
        if token.count("_") != 1 or token.startswith("_"):
            continue
        for position in positions.split(","):
            at[int(position)] = token
    keys = []
    for position in sorted(at):
        first, following = at[position], at.get(position + 1)
        if following is None:
            continue
        a, b = first.split("_")
        b2, c = following.split("_")
        if b == b2:
            keys += hashed_triples([a, b, c])
    return " ".join(f"{key}:{i}" for i, key in enumerate(dict.fromkeys(keys), start=1))


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, tsv_pairs::text FROM search_entry"
                " WHERE tsv_pairs IS NOT NULL AND id > %s ORDER BY id LIMIT 500",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            updates = [(keys, pk) for pk, text in rows if (keys := triple_keys(text))]
            cursor.executemany(
                "UPDATE search_entry SET tsv_pairs = tsv_pairs || %s::tsvector WHERE id = %s", updates
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres_pairs_only")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
