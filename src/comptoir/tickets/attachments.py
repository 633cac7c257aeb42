"""Storing files: size checked, type sniffed from the bytes, hashed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
import uuid
from collections.abc import Iterable

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import IMAGE_TYPES, Attachment
from .richtext import IMG_SRC, IMG_TAG

# Types a browser could run as a page if it trusted them; served as download only.
_ACTIVE_TYPES = {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml"}


def sniff_content_type(head: bytes, filename: str) -> str:
    """The type the bytes say, never the one the client claimed."""
    try:
        found = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        found = ""
    if not found:
        guessed, _enc = mimetypes.guess_type(filename)
        # A text file has no magic number; only trust the name for harmless text.
        found = guessed if guessed in {"text/plain", "text/csv"} else "application/octet-stream"
    if found in _ACTIVE_TYPES:
        return "application/octet-stream"
    return found


def clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip(" .")
    return name[:200] or "file"


def attachment_store(*, file: File, filename: str, user, inline: bool = False) -> Attachment:  # type: ignore[no-untyped-def]
    """Store an uploaded file as a draft attachment (no ticket yet) of ``user``.

    Raises ValidationError (translated) when the file is empty or too large.
    """
    limit = settings.COMPTOIR_MAX_ATTACHMENT_BYTES
    size = file.size or 0
    filename = clean_filename(filename)
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": filename})
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(limit)s MB.")
            % {"name": filename, "limit": limit // (1024 * 1024)}
        )
    digest = hashlib.sha256()
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    attachment = Attachment(
        uploaded_by=user,
        filename=filename,
        content_type=sniff_content_type(head, filename),
        size=size,
        sha256=digest.hexdigest(),
        inline=inline,
    )
    attachment.file.save(filename, file, save=False)
    attachment.save()
    return attachment


def attachment_url(attachment: Attachment) -> str:
    return reverse("attachment", kwargs={"key": attachment.key})


_DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$")


def extract_inline_images(clean_html: str, *, user) -> tuple[str, list[Attachment]]:  # type: ignore[no-untyped-def]
    """Turn pasted images (data: URIs) into inline attachments.

    Images that point anywhere but one of our attachments are dropped, so a
    message can neither carry a tracking pixel nor a huge base64 blob.
    """
    created: list[Attachment] = []
    prefix = reverse("attachment", kwargs={"key": "00000000-0000-0000-0000-000000000000"})
    prefix = prefix.split("00000000")[0]
    # Exactly one attachment's address: not "/attachments/../anything".
    ours = re.compile(re.escape(prefix) + r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/")

    def replace(tag_match: re.Match[str]) -> str:
        tag = tag_match.group(0)
        src_match = IMG_SRC.search(tag)
        if not src_match:
            return ""
        src = src_match.group(1)
        if ours.fullmatch(src):
            return tag
        data = _DATA_URI.match(src.replace("&#x2B;", "+"))
        if not data:
            return ""
        try:
            raw = base64.b64decode(data.group(2), validate=False)
        except (binascii.Error, ValueError):
            return ""
        number = len(created) + 1
        attachment = attachment_store(
            file=ContentFile(raw),
            filename=f"image-{number}.{data.group(1).split('/')[1]}",
            user=user,
            inline=True,
        )
        if attachment.content_type not in IMAGE_TYPES:
            attachment.file.delete(save=False)
            attachment.delete()
            return ""
        created.append(attachment)
        return tag.replace(src_match.group(0), f' src="{attachment_url(attachment)}"')

    return IMG_TAG.sub(replace, clean_html), created


def pending_attachments(*, keys: Iterable[str], user) -> list[Attachment]:  # type: ignore[no-untyped-def]
    """Draft attachments of ``user`` named by ``keys`` (others are ignored)."""
    valid = []
    for key in keys:
        try:
            valid.append(str(uuid.UUID(str(key))))
        except ValueError:
            continue
    if not valid:
        return []
    return list(Attachment.objects.filter(key__in=valid, uploaded_by=user, ticket__isnull=True))
