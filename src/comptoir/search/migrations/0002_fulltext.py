"""Full-text machinery per database: PostgreSQL tsvector + trigram, SQLite FTS5."""

from django.db import migrations

# Per content language: the stemming configuration with accents kept (stems
# such as "bloquée" -> "bloqu" come out right) and a copy that strips accents
# before stemming (so "equipe" finds "équipe"). Documents carry both.
PG_CONFIGS = {"fr": "french", "en": "english", "es": "spanish"}

PG_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
]
for _lang, _stem in [*PG_CONFIGS.items(), ("simple", "simple")]:
    _name = f"comptoir_{_lang}"
    _dict = f"{_stem}_stem" if _stem != "simple" else "simple"
    PG_SETUP += [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{_name}') THEN
                CREATE TEXT SEARCH CONFIGURATION {_name} (COPY = {_stem});
                ALTER TEXT SEARCH CONFIGURATION {_name}
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {_dict};
            END IF;
        END $$""",
    ]


def _vector(stem: str, unaccented: str) -> str:
    return (
        f"setweight(to_tsvector('{stem}', title), 'A') || "
        f"setweight(to_tsvector('{unaccented}', title), 'A') || "
        f"setweight(to_tsvector('{stem}', body), 'B') || "
        f"setweight(to_tsvector('{unaccented}', body), 'B')"
    )


_cases = " ".join(
    f"WHEN '{lang}' THEN {_vector(stem, f'comptoir_{lang}')}" for lang, stem in PG_CONFIGS.items()
)
PG_SETUP += [
    f"""ALTER TABLE search_searchdocument ADD COLUMN vector tsvector
        GENERATED ALWAYS AS (CASE language {_cases}
        ELSE {_vector("simple", "comptoir_simple")} END) STORED""",
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
    "CREATE INDEX search_document_title_trgm ON search_searchdocument "
    "USING gin (title_plain gin_trgm_ops)",
]
PG_TEARDOWN = [
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
]

# remove_diacritics 2 also folds letters whose accent is a separate code point;
# prefix indexes make "as-you-type" queries on 2 to 4 letters cheap.
SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
    )""",
]
SQLITE_TEARDOWN = ["DROP TABLE IF EXISTS search_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_SETUP, "sqlite": SQLITE_SETUP}),
            _run({"postgresql": PG_TEARDOWN, "sqlite": SQLITE_TEARDOWN}),
        ),
    ]
