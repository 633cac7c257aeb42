"""PostgreSQL: a cheaper document vector, and an index for the suggestions dropdown.

- The generated ``vector`` read the body twice (stems with and without
  accents): the body is the bulk of a ticket, so filling the index cost four
  ``to_tsvector`` per document. Titles keep both readings (a title word typed
  with or without its accents matches, and ranks); the body is read once,
  accents removed, which every query also searches for.
- Bodies and vectors are compressed with lz4 when the server has it (far
  cheaper to write and to read than the default pglz).
- Partial GIN indexes for articles: their vectors (a search of the knowledge
  base never walks the tickets' index), their titles' trigrams (typos are
  forgiven in article titles only: ticket titles leave that index, which
  also spares filling it for every ticket), and the folded words of their
  titles, which answers the as-you-type dropdown (prefix ``:*`` queries)
  without reading any ticket.

SQLite keeps its FTS5 table: nothing to do there.
"""

from django.db import migrations

PG_CONFIGS = {"fr": "french", "en": "english", "es": "spanish"}


def _vector(stem: str, unaccented: str) -> str:
    return (
        f"setweight(to_tsvector('{stem}', title), 'A') || "
        f"setweight(to_tsvector('{unaccented}', title), 'A') || "
        f"setweight(to_tsvector('{unaccented}', body), 'B')"
    )


def _old_vector(stem: str, unaccented: str) -> str:
    return (
        f"setweight(to_tsvector('{stem}', title), 'A') || "
        f"setweight(to_tsvector('{unaccented}', title), 'A') || "
        f"setweight(to_tsvector('{stem}', body), 'B') || "
        f"setweight(to_tsvector('{unaccented}', body), 'B')"
    )


def _column(vector) -> str:
    cases = " ".join(
        f"WHEN '{lang}' THEN {vector(stem, f'comptoir_{lang}')}"
        for lang, stem in PG_CONFIGS.items()
    )
    return f"""ALTER TABLE search_searchdocument ADD COLUMN vector tsvector
        GENERATED ALWAYS AS (CASE language {cases}
        ELSE {vector("simple", "comptoir_simple")} END) STORED"""


# Articles are a few thousand documents beside a million tickets: their own
# small index lets a search of the knowledge base skip the tickets' one.
ARTICLE_INDEX = (
    "CREATE INDEX search_document_article_vector ON search_searchdocument "
    "USING gin (vector) WHERE kind = 'article'"
)
# Typos are forgiven in article titles only: the trigram index leaves tickets out.
ARTICLE_TRGM = (
    "CREATE INDEX search_document_article_trgm ON search_searchdocument "
    "USING gin (title_plain gin_trgm_ops) WHERE kind = 'article'"
)
OLD_TRGM = (
    "CREATE INDEX search_document_title_trgm ON search_searchdocument "
    "USING gin (title_plain gin_trgm_ops)"
)
TITLE_INDEX = (
    "CREATE INDEX search_document_article_titles ON search_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, title_plain)) WHERE kind = 'article'"
)
LZ4 = """DO $$ BEGIN
    ALTER TABLE search_searchdocument ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE search_searchdocument ALTER COLUMN vector SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$"""

PG_FORWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    _column(_vector),
    LZ4,
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
    "DROP INDEX IF EXISTS search_document_title_trgm",
    ARTICLE_INDEX,
    ARTICLE_TRGM,
    TITLE_INDEX,
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_article_vector",
    "DROP INDEX IF EXISTS search_document_article_trgm",
    OLD_TRGM,
    "DROP INDEX IF EXISTS search_document_article_titles",
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    _column(_old_vector),
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
