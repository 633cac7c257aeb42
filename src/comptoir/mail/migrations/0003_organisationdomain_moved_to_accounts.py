from django.db import migrations


class Migration(migrations.Migration):
    """OrganisationDomain now lives in the accounts app, which took over its table
    (accounts 0002); this app only forgets the model."""

    dependencies = [
        ("mail", "0002_defaults"),
        ("accounts", "0002_memberships_domains_activation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="OrganisationDomain")],
        ),
    ]
