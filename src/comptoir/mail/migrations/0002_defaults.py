"""A default mailbox and the email settings, so a bare ``migrate`` takes mail in.

The mailbox's address is the one notifications come from (DEFAULT_FROM_EMAIL);
admins add its IMAP account, or pipe mail to ``ingest_email``, afterwards.
"""

from email.utils import parseaddr

from django.conf import settings
from django.db import migrations


def create_defaults(apps, schema_editor):
    Mailbox = apps.get_model("mail", "Mailbox")
    MailSettings = apps.get_model("mail", "MailSettings")
    MailSettings.objects.get_or_create(pk=1)
    if not Mailbox.objects.exists():
        name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        Mailbox.objects.create(
            address=(address or "support@comptoir.localhost").lower(),
            display_name=name or "Support",
            is_default=True,
            language=settings.LANGUAGE_CODE
            if settings.LANGUAGE_CODE in ("fr", "en", "es")
            else "fr",
        )


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
