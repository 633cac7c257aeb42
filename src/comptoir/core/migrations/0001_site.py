"""Name the site: account emails (activation, password reset) use it."""

import os
from urllib.parse import urlsplit

from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(os.environ.get("SITE_URL", "http://127.0.0.1:8000")).netloc
    Site.objects.update_or_create(
        pk=1, defaults={"domain": domain or "127.0.0.1:8000", "name": "Comptoir"}
    )


class Migration(migrations.Migration):
    dependencies = [("sites", "0002_alter_domain_unique")]
    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
