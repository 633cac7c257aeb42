"""PostgreSQL: trigram indexes for the agents' directory on the search page.

The directory matches the typed text anywhere in a contact's email, names or
phone, and in organisation names. Without an index each search read and
case-folded every contact (about 90 ms at 50,000 contacts); a trigram GIN
index answers ``ILIKE '%text%'`` directly. Contacts are matched on one
expression (the four fields joined by line breaks, which a typed query never
contains, so a match never spans two fields); ``search.views`` uses the same
expression. Building both indexes takes a few seconds at 50,000 contacts.

SQLite keeps its plain scan: nothing to do there.
"""

from django.db import migrations

# Must stay identical to ``search.views.PEOPLE_TEXT`` for the index to be used.
PEOPLE_TEXT = "(email || E'\\n' || first_name || E'\\n' || last_name || E'\\n' || phone)"

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_directory_people ON accounts_user "
    f"USING gin ({PEOPLE_TEXT} gin_trgm_ops) WHERE role = 'customer' AND is_active",
    "CREATE INDEX IF NOT EXISTS search_directory_organisations ON accounts_organisation "
    "USING gin (name gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_directory_people",
    "DROP INDEX IF EXISTS search_directory_organisations",
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
    dependencies = [
        ("search", "0003_cheaper_vector_title_index"),
        ("accounts", "0002_memberships_domains_activation"),
    ]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
