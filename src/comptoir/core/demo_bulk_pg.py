"""PostgreSQL side of the bulk load (``demo_bulk``): indexes built after the load.

Keeping a dozen B-tree indexes up to date row by row while millions of
messages stream in costs more than the COPY itself; building each index once
at the end, sorted, is several times quicker. Only plain indexes are dropped:
those behind a primary key or unique constraint stay, since the loader looks
tickets up by number. Foreign keys stay checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TABLES = (
    "tickets_ticket",
    "tickets_message",
    "tickets_ticketevent",
    "tickets_ticket_products",
    "tickets_ticket_themes",
)
# Below this many tickets the indexes are kept: rebuilding them over the
# existing rows would cost more than maintaining them.
THRESHOLD = 100_000


def _plain_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint c
                  WHERE c.conindid
                      = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
              )
            ORDER BY i.tablename, i.indexname
            """,
            [list(TABLES)],
        )
        return list(cursor.fetchall())


@contextmanager
def indexes_after_load(count: int) -> Iterator[None]:
    """Drop the tickets tables' plain indexes during a large PostgreSQL load,
    build them again afterwards (also when the load fails), then ANALYZE."""
    if connection.vendor != "postgresql" or count < THRESHOLD or connection.in_atomic_block:
        yield
        return
    indexes = _plain_indexes()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table in TABLES:
                cursor.execute(f"ANALYZE {quote(table)}")
