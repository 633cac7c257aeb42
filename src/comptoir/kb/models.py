"""The knowledge base: categories, articles and their translations, votes, files.

No business rule lives here: every change goes through ``services``; every
read that decides who sees what goes through ``queries``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English")), ("es", _("Spanish"))]


def reader_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


class KbCategory(models.Model):
    """A shelf of the knowledge base (six by default, installed by a data migration)."""

    slug = models.SlugField(_("code"), unique=True)
    icon = models.CharField(
        _("icon"), max_length=16, blank=True, help_text=_("An emoji shown on the category tile.")
    )
    label_fr = models.CharField(_("label (French)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    label_es = models.CharField(_("label (Spanish)"), max_length=100, blank=True)
    description_fr = models.CharField(_("description (French)"), max_length=255, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=255, blank=True)
    description_es = models.CharField(_("description (Spanish)"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")

    def __str__(self) -> str:
        return self.label

    def _in_language(self, prefix: str) -> str:
        lang = reader_language()
        return (
            getattr(self, f"{prefix}_{lang}", "")
            or getattr(self, f"{prefix}_{settings.LANGUAGE_CODE[:2]}", "")
            or getattr(self, f"{prefix}_fr", "")
        )

    @property
    def label(self) -> str:
        return self._in_language("label")

    @property
    def description(self) -> str:
        return self._in_language("description")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone, without logging in")
    CUSTOMERS = "customers", _("Logged-in customers")
    AGENTS = "agents", _("Agents only")


class Article(models.Model):
    """An article; its words live in one ``ArticleTranslation`` per language."""

    slug = models.SlugField(_("address"), max_length=120, unique=True)
    category = models.ForeignKey(
        KbCategory, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ArticleStatus.choices,
        default=ArticleStatus.DRAFT,
        db_index=True,
    )
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.CUSTOMERS
    )
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=LANGUAGE_CHOICES,
        default="fr",
        help_text=_("Shown to readers whose language has no translation."),
    )
    products = models.ManyToManyField(
        "tickets.Product", blank=True, related_name="kb_articles", verbose_name=_("products")
    )
    themes = models.ManyToManyField(
        "tickets.Theme", blank=True, related_name="kb_articles", verbose_name=_("themes")
    )
    ticket_types = models.ManyToManyField(
        "tickets.TicketType",
        blank=True,
        related_name="kb_articles",
        verbose_name=_("ticket types"),
        help_text=_("Suggested first on new tickets of these types."),
    )
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=False, verbose_name=_("related articles")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kb_articles",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("last updated"), db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_yes = models.PositiveIntegerField(_("found it helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("did not find it helpful"), default=0)

    class Meta:
        ordering = ["category__order", "-updated_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["category", "status"], name="kb_article_cat_status")]

    def __str__(self) -> str:
        return self.slug


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body_html = models.TextField(_("content"))
    body_text = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("last updated"))

    class Meta:
        ordering = ["language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_unique")
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVote(models.Model):
    """One "was this helpful?" answer per user, or per session for visitors."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(user__isnull=False),
                name="kb_vote_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="kb_vote_one_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.helpful}"


def kb_file_path(instance: KbFile, filename: str) -> str:
    # The stored name never comes from the user.
    return f"kb/{instance.key.hex[:2]}/{instance.key.hex}"


class KbFile(models.Model):
    """An image or attachment of an article, served by a permission-checked view.

    Uploaded from the editor before the article is saved (``article`` null).
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=kb_file_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    inline = models.BooleanField(_("image in the text"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}
