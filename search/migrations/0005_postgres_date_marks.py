"""PostgreSQL: the year, month and day tokens of each entry's date (``search.date_windows.marks``) are
added to existing vectors, in batches of 5,000 entries (each its own transaction, so a large index is not
rewritten in one). Until an entry has them, a windowed scan (indexes above
``search.backends.WINDOW_MIN_ENTRIES``) would not find it. SQLite: nothing (FTS5 streams matches in date
order from its rowid)."""

from typing import Any

from django.db import migrations, transaction

MARKS = (
    "CASE WHEN date IS NULL THEN '_dnull'::tsvector ELSE array_to_tsvector(ARRAY["
    "'_y' || to_char(date, 'YYYY'), '_m' || to_char(date, 'YYYYMM'), '_d' || to_char(date, 'YYYYMMDD')"
    "]) END"
)
ADD_MARKS = (
    f"UPDATE search_entry SET tsv = tsv || {MARKS}, tsv_pairs = coalesce(tsv_pairs, ''::tsvector) || {MARKS}"
    " WHERE tsv IS NOT NULL AND id > %s AND id <= %s"
)


def forward(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM search_entry")
        top = cursor.fetchone()[0]
        for start in range(0, top, 5000):
            with transaction.atomic(using=connection.alias):
                cursor.execute(ADD_MARKS, [start, start + 5000])


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0004_postgres_hashed_triples")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
