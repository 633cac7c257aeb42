"""PostgreSQL: the ticket documents by last update, for the search's recency windows.

A search looks for the newest matching tickets among the most recently
updated documents first (``backends.postgres.WINDOWS``): this btree range,
ANDed with the full-text GIN bitmap, lets PostgreSQL read only the rows in
both instead of every matching row. Built in seconds at a million tickets
(no table rewrite).

SQLite keeps its FTS5 table: nothing to do there.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_document_ticket_updated "
    "ON search_searchdocument (updated_at) WHERE kind = 'ticket'",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS search_document_ticket_updated"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_directory_trigrams")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
