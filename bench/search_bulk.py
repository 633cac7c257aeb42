"""The search index filled set-based, for a database loaded in bulk.

``search.index.reindex_all`` handles one ticket at a time (a few queries
each): right after an import of a few thousand tickets, hours for a million.
Here, on PostgreSQL, one ``INSERT ... SELECT`` per slice of ticket ids builds
the same documents as ``index_ticket`` (subject, public messages in order,
language on two letters, the ticket's update time), two slices at a time on
two connections, with the full-text index dropped during the fill and built
once at the end. The generated ``vector`` reads the subject twice and the
body once (migration search 0003): that is most of the cost.
``title_plain`` is ``lower(unaccent(title))``, which equals
``search.text.fold`` for the Latin text of tickets. On SQLite the index is
filled by ``reindex_all``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections

from comptoir.search.index import MAX_BODY, index_article, reindex_all

SLICE = 50_000
# The tickets' full-text index, built once after the fill. (The partial indexes
# on articles are small and tickets never enter them.)
INDEXES = {
    "search_document_vector": "CREATE INDEX search_document_vector "
    "ON search_searchdocument USING gin (vector)",
}

TICKETS_SQL = f"""
INSERT INTO search_searchdocument
    (kind, object_id, language, title, title_plain, body, updated_at, boost)
SELECT 'ticket', t.id, left(coalesce(nullif(t.language, ''), 'fr'), 2),
       left(t.subject, 250), left(lower(unaccent(t.subject)), 250),
       left(coalesce(m.body, ''), {MAX_BODY}), t.updated_at, 0
FROM tickets_ticket t
LEFT JOIN LATERAL (
    SELECT string_agg(body_text, E'\\n' ORDER BY created_at, id) AS body
    FROM tickets_message WHERE ticket_id = t.id AND NOT internal
) m ON true
WHERE t.id >= %s AND t.id < %s
  AND NOT EXISTS (SELECT 1 FROM search_searchdocument d
                  WHERE d.kind = 'ticket' AND d.object_id = t.id)
"""


def bulk_index_articles() -> int:
    from comptoir.kb.models import Article

    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        index_article(article_id=pk)
    return len(ids)


def _fill(bounds: tuple[int, int]) -> int:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute(TICKETS_SQL, list(bounds))
            return cursor.rowcount
    finally:
        connection.close()  # this thread's own connection


def bulk_index_tickets(workers: int = 2) -> int:
    if connection.vendor != "postgresql":
        return reindex_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
        low, high = cursor.fetchone()
        if low is None:
            return 0
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    slices = [(start, start + SLICE) for start in range(low, high + 1, SLICE)]
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = sum(pool.map(_fill, slices))
    finally:
        connections.close_all()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for sql in INDEXES.values():
                cursor.execute(sql)
            cursor.execute("ANALYZE search_searchdocument")
    return done
