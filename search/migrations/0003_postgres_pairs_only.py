"""PostgreSQL keeps word pairs only in ``tsv_pairs`` (``search.backends.Backend.with_triples``): the
triples (tokens with two "_"; words never contain one) are deleted from existing vectors. The pairs come
first in the vector, so their positions are unchanged. SQLite keeps its triples: nothing to do there."""

from typing import Any

from django.db import migrations

DROP_TRIPLES = (
    "UPDATE search_entry SET tsv_pairs = ts_delete(tsv_pairs, ARRAY("
    "SELECT lexeme FROM unnest(tsv_pairs) WHERE length(lexeme) - length(replace(lexeme, '_', '')) >= 2))"
    " WHERE tsv_pairs IS NOT NULL"
)


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIPLES)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_date_order_and_pairs")]

    # backwards: phrases of pairs still match exactly; a rebuild brings the triples back if wanted
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
