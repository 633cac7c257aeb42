"""Periodic housekeeping of the tickets app."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from comptoir.tickets.attachments import attachment_store
from comptoir.tickets.models import Attachment
from comptoir.tickets.tasks import purge_draft_attachments
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_stale_drafts_are_purged_but_ticket_files_and_fresh_drafts_stay(customer):
    old = attachment_store(file=ContentFile(b"old draft"), filename="old.txt", user=customer)
    fresh = attachment_store(file=ContentFile(b"new draft"), filename="new.txt", user=customer)
    kept = attachment_store(file=ContentFile(b"on ticket"), filename="kept.txt", user=customer)
    make_ticket(customer, attachments=[kept])
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    Attachment.objects.filter(pk__in=[old.pk, kept.pk]).update(created_at=three_days_ago)
    storage = old.file.storage
    old_name = old.file.name

    assert purge_draft_attachments.call() == 1

    assert set(Attachment.objects.values_list("filename", flat=True)) == {"new.txt", "kept.txt"}
    assert not storage.exists(old_name)
    assert storage.exists(fresh.file.name)
