"""Attachments are read through the storage API: any storage works (S3 included),
not only files on the web node's own disk."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.test import override_settings
from django.urls import reverse

from comptoir.tickets.models import Ticket
from tests.factories import priority, ticket_type
from tests.portal.helpers import upload

pytestmark = pytest.mark.django_db

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@override_settings(STORAGES=IN_MEMORY)
def test_a_file_kept_in_a_storage_without_local_paths_is_downloaded(client, customer):
    client.force_login(customer)
    content = b"quarterly figures\n" * 1000
    response = client.post(
        reverse("portal:ticket_new"),
        {
            "type": str(ticket_type().pk),
            "priority": str(priority().pk),
            "subject": "Figures",
            "description": "See attached",
            "attachments": [upload("figures.txt", content)],
        },
    )
    assert response.status_code == 302
    attachment = Ticket.objects.get().attachments.get()
    assert isinstance(storages["default"], InMemoryStorage)
    assert default_storage.exists(attachment.file.name)
    assert not (Path(settings.MEDIA_ROOT) / attachment.file.name).exists()  # nothing on disk

    download = client.get(reverse("attachment", kwargs={"key": attachment.key}))

    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="figures.txt"'
    assert b"".join(download.streaming_content) == content
