"""Every change to the knowledge base goes through here.

Each function runs in one transaction and refreshes the search index in it,
so search never disagrees with a committed article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.search import index as search_index
from comptoir.tickets.attachments import clean_filename, sniff_content_type
from comptoir.tickets.models import Product, Theme, TicketType

from .models import (
    Article,
    ArticleStatus,
    ArticleTranslation,
    ArticleVote,
    KbCategory,
    KbFile,
    Visibility,
)
from .richtext import plain_text, sanitise

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _require_agent(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_agent):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))


def file_prefix() -> str:
    return reverse("kb:file", kwargs={"key": "00000000-0000-0000-0000-000000000000"}).split(
        "00000000"
    )[0]


# Addresses the knowledge base's own pages use under /kb/.
RESERVED_SLUGS = frozenset({"manage", "suggest", "related", "category", "files"})


def _unique_slug(text: str, *, exclude: int | None = None) -> str:
    base = slugify(text)[:100] or "article"
    if base in RESERVED_SLUGS:
        base = f"{base}-article"
    slug, n = base, 2
    taken = Article.objects.all() if exclude is None else Article.objects.exclude(pk=exclude)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def article_create(
    *,
    author: User,
    category: KbCategory,
    language: str,
    title: str,
    body_html: str,
    summary: str = "",
    status: str = ArticleStatus.DRAFT,
    visibility: str = Visibility.CUSTOMERS,
    slug: str = "",
    default_language: str = "",
    products: Sequence[Product] = (),
    themes: Sequence[Theme] = (),
    ticket_types: Sequence[TicketType] = (),
) -> Article:
    """Write a new article with its first translation, in ``language`` (also its
    default language unless ``default_language`` says otherwise)."""
    _require_agent(author)
    now = timezone.now()
    article = Article.objects.create(
        slug=_unique_slug(slug or title),
        category=category,
        status=status,
        visibility=visibility,
        default_language=default_language or language,
        author=author,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLISHED else None,
    )
    article.products.set(products)
    article.themes.set(themes)
    article.ticket_types.set(ticket_types)
    article_translation_save(
        article=article,
        actor=author,
        language=language,
        title=title,
        body_html=body_html,
        summary=summary,
    )
    return article


@transaction.atomic
def article_translation_save(
    *,
    article: Article,
    actor: User,
    language: str,
    title: str,
    body_html: str,
    summary: str = "",
) -> ArticleTranslation:
    """Create or replace the text of ``article`` in ``language``; sanitised here."""
    _require_agent(actor)
    title = " ".join((title or "").split())[:200]
    if not title:
        raise ValidationError(_("A title is required."))
    clean = sanitise(body_html, file_prefix=file_prefix())
    now = timezone.now()
    translation, _created = ArticleTranslation.objects.update_or_create(
        article=article,
        language=language,
        defaults={
            "title": title,
            "summary": " ".join((summary or "").split())[:300],
            "body_html": clean,
            "body_text": plain_text(clean),
            "updated_at": now,
        },
    )
    Article.objects.filter(pk=article.pk).update(updated_at=now)
    _claim_files(article, clean)
    search_index.index_article(article_id=article.pk)
    return translation


def _claim_files(article: Article, clean_html: str) -> None:
    """Images uploaded in the editor before the article existed now belong to it."""
    pattern = re.escape(file_prefix()) + r"([0-9a-f-]{36})"
    used = set(re.findall(pattern, clean_html))
    if used:
        KbFile.objects.filter(key__in=used, article__isnull=True).update(article=article)


_FIELDS = ("category", "status", "visibility", "default_language", "slug")


@transaction.atomic
def article_update(*, article: Article, actor: User, **changes: Any) -> Article:
    """Category, status, visibility, default language, address, tags, related."""
    _require_agent(actor)
    unknown = set(changes) - {*_FIELDS, "products", "themes", "ticket_types", "related"}
    if unknown:
        raise TypeError(f"Unknown article fields: {sorted(unknown)}")
    article = Article.objects.select_for_update().get(pk=article.pk)
    now = timezone.now()
    if "slug" in changes:
        changes["slug"] = _unique_slug(changes["slug"] or article.slug, exclude=article.pk)
    for name in _FIELDS:
        if name in changes:
            setattr(article, name, changes[name])
    if changes.get("status") == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = now
    article.updated_at = now
    article.save()
    for name in ("products", "themes", "ticket_types", "related"):
        if name in changes:
            getattr(article, name).set(changes[name])
    search_index.index_article(article_id=article.pk)
    return article


def article_record_view(*, article: Article) -> None:
    """Count a reading: one UPDATE, so simultaneous readers never lose a count."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_vote(
    *, article: Article, helpful: bool, user: User | None = None, session_key: str = ""
) -> bool:
    """Record "was this helpful?": one answer per user (or per visitor session).

    Returns False when this reader had already answered (the vote is not counted twice).
    """
    if user is not None and not user.is_authenticated:
        user = None
    if user is None and not session_key:
        raise ValidationError(_("Your vote could not be recorded."))
    try:
        with transaction.atomic():
            ArticleVote.objects.create(
                article=article,
                user=user,
                session_key="" if user else session_key,
                helpful=helpful,
            )
    except IntegrityError:
        return False
    counter = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    yes, no = Article.objects.values_list("helpful_yes", "helpful_no").get(pk=article.pk)
    search_index.article_boost_update(article_id=article.pk, yes=yes, no=no)
    return True


def kb_file_store(
    *, file: File, filename: str, user: User, article: Article | None = None, image: bool = False
) -> KbFile:
    """Store an image (pasted or uploaded in the editor) or an attachment of an article."""
    from django.conf import settings

    _require_agent(user)
    filename = clean_filename(filename)
    size = file.size or 0
    limit = settings.COMPTOIR_MAX_ATTACHMENT_BYTES
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": filename})
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(limit)s MB.")
            % {"name": filename, "limit": limit // (1024 * 1024)}
        )
    file.seek(0)
    content_type = sniff_content_type(file.read(4096), filename)
    file.seek(0)
    if image and content_type not in IMAGE_TYPES:
        raise ValidationError(_("Only PNG, JPEG, GIF and WebP images can be inserted."))
    stored = KbFile(
        article=article,
        uploaded_by=user,
        filename=filename,
        content_type=content_type,
        size=size,
        inline=image,
    )
    stored.file.save(filename, file, save=False)
    stored.save()
    return stored
