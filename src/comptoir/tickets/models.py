"""The ticket domain: configurable reference data, tickets, messages, attachments, events.

Statuses are data; behaviour hangs on their fixed category (see ``Category``).
No business rule lives here: every change goes through ``services``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TranslatedLabel(models.Model):
    """A label per language; the viewer's language first, then English, then French."""

    label_en = models.CharField(_("label (English)"), max_length=100)
    label_fr = models.CharField(_("label (French)"), max_length=100, blank=True)
    label_es = models.CharField(_("label (Spanish)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return getattr(self, f"label_{lang}", "") or self.label_en or self.label_fr


class Category(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Waiting for the customer")
    PENDING_INTERNAL = "pending_internal", _("Waiting internally")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_CATEGORIES = (Category.NEW, Category.OPEN, Category.PENDING_INTERNAL)
DONE_CATEGORIES = (Category.RESOLVED, Category.CLOSED)


class Status(TranslatedLabel):
    slug = models.SlugField(_("code"), unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    colour = models.CharField(
        _("colour"), max_length=7, default="#888888", help_text=_("A hex colour such as #e84393.")
    )
    visible_to_customer = models.BooleanField(
        _("shown to customers"),
        default=True,
        help_text=_("When off, customers see the category's name instead."),
    )
    is_default = models.BooleanField(
        _("default of its category"),
        default=False,
        help_text=_("Used when the system moves a ticket into this category."),
    )
    when_assigned = models.BooleanField(
        _("used for assigned tickets"),
        default=False,
        help_text=_("An open status used instead of the default when the ticket has an agent."),
    )

    class Meta(TranslatedLabel.Meta):
        verbose_name = _("status")
        verbose_name_plural = _("statuses")

    @property
    def customer_label(self) -> str:
        return self.label if self.visible_to_customer else str(Category(self.category).label)


class TicketType(TranslatedLabel):
    slug = models.SlugField(_("code"), unique=True)

    class Meta(TranslatedLabel.Meta):
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")


class Priority(TranslatedLabel):
    slug = models.SlugField(_("code"), unique=True)
    colour = models.CharField(_("colour"), max_length=7, default="#888888")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta(TranslatedLabel.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")


class Product(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A module or functional area of a product ("thème" in seed 000)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    products = models.ManyToManyField(
        Product, blank=True, related_name="themes", verbose_name=_("products")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    CHECKBOX = "checkbox", _("Checkbox")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")


class CustomField(TranslatedLabel):
    """An admin-defined ticket field; values live in ``Ticket.custom_fields[key]``."""

    key = models.SlugField(_("key"), unique=True)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    visible_to_customer = models.BooleanField(_("visible to customers"), default=True)
    help_en = models.CharField(_("help (English)"), max_length=255, blank=True)
    help_fr = models.CharField(_("help (French)"), max_length=255, blank=True)
    help_es = models.CharField(_("help (Spanish)"), max_length=255, blank=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_(
            'For choice fields: a list of {"value": ..., "en": ..., "fr": ..., "es": ...}.'
        ),
    )
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="custom_fields",
        verbose_name=_("ticket types"),
        help_text=_("Leave empty for every type."),
    )

    class Meta(TranslatedLabel.Meta):
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    @property
    def help_text(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return getattr(self, f"help_{lang}", "") or self.help_en

    def choice_pairs(self) -> list[tuple[str, str]]:
        lang = (translation.get_language() or "en")[:2]
        return [
            (str(c["value"]), str(c.get(lang) or c.get("en") or c["value"])) for c in self.choices
        ]


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    API = "api", _("API")


class Ticket(models.Model):
    number = models.PositiveIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        verbose_name=_("requester"),
        db_index=False,  # first column of ticket_requester_cat_upd
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("organisation"),
        db_index=False,  # first column of ticket_org_cat
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="tickets", verbose_name=_("products")
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="tickets", verbose_name=_("themes")
    )
    type = models.ForeignKey(TicketType, on_delete=models.PROTECT, verbose_name=_("type"))
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, verbose_name=_("priority"))
    status = models.ForeignKey(Status, on_delete=models.PROTECT, verbose_name=_("status"))
    # Denormalised from status so list filters need no join; services keep it in step.
    # Indexed by ticket_category in Meta: a field's db_index would add a
    # pattern-matching (LIKE) index on PostgreSQL that nothing uses.
    category = models.CharField(_("status category"), max_length=20, choices=Category.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned agent"),
        db_index=False,  # first column of ticket_assignee_cat
    )
    group = models.ForeignKey(
        "accounts.SupportGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("group"),
        db_index=False,  # first column of ticket_group_status_upd
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    language = models.CharField(_("language"), max_length=8, default="fr")
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follows ticket"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), db_index=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Every ticket change maintains each of these: a foreign key whose
        # column leads a composite index below has no index of its own.
        indexes = [
            models.Index(fields=["category"], name="ticket_category"),
            models.Index(
                fields=["requester", "category", "-updated_at"], name="ticket_requester_cat_upd"
            ),
            models.Index(fields=["organisation", "category"], name="ticket_org_cat"),
            models.Index(fields=["assignee", "category"], name="ticket_assignee_cat"),
            # The desk's lists: a group's or an agent's tickets in some
            # statuses, latest update first (the 50 rows are read in order).
            models.Index(fields=["group", "status", "-updated_at"], name="ticket_group_status_upd"),
            models.Index(
                fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status_upd"
            ),
            # The desk's queues of tickets not done yet ("Unassigned", "Mine",
            # "My groups") in update order; the trailing columns let the
            # queues' counts read this index alone.
            models.Index(
                fields=["assignee", "-updated_at", "group", "category", "id"],
                name="ticket_undone_assignee_upd",
                condition=~models.Q(category__in=["resolved", "closed"]),
            ),
            models.Index(
                fields=["group", "-updated_at"],
                name="ticket_undone_group_upd",
                condition=~models.Q(category__in=["resolved", "closed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def reference(self) -> str:
        return f"#{self.number}"


class TicketParticipant(models.Model):
    """A person added to the conversation ("Add people to the conversation", seed
    003): they see the ticket, may reply and are told of its news."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("person"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="participant_ticket_user")
        ]
        # Visibility asks "which tickets is this person copied on?".
        indexes = [models.Index(fields=["user", "ticket"], name="participant_user_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket.reference} · {self.user}"


class TicketCounter(models.Model):
    """One row handing out ticket numbers; the row lock serialises creators."""

    value = models.PositiveIntegerField(default=1000)

    def __str__(self) -> str:
        return str(self.value)


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    internal = models.BooleanField(_("internal note"), default=False)
    body_html = models.TextField(_("message"))
    body_text = models.TextField(_("text"))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.ticket.reference} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def listed_attachments(self) -> list[Attachment]:
        """Files to list under the message; pasted images already show in its text.
        Reads the prefetched attachments when there are some."""
        return [a for a in self.attachments.all() if not a.inline]


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the user: no traversal, no clashes.
    return f"attachments/{instance.key.hex[:2]}/{instance.key.hex}"


class Attachment(models.Model):
    """A file on a ticket. Uploaded before its message exists (``ticket`` null) so a
    form that fails validation keeps what was already sent."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    inline = models.BooleanField(_("inline image"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    FIELD = "field", _("Field changed")
    STATUS = "status", _("Status changed")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    FOLLOW_UP = "follow_up", _("Follow-up ticket")


class TicketEvent(models.Model):
    """Append-only audit trail: who changed what, when, from what to what."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    field = models.CharField(max_length=64, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.kind} {self.field}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)


class ClosedReplyPolicy(models.TextChoices):
    REOPEN = "reopen", _("Reopen the ticket")
    NEW_TICKET = "new_ticket", _("Open a new ticket linked to the closed one")
    REFUSE = "refuse", _("Refuse: closed tickets are read-only")


class HelpdeskSettings(models.Model):
    """The helpdesk's behaviour settings, one row, edited in the admin."""

    closed_reply_policy = models.CharField(
        _("reply on a closed ticket"),
        max_length=20,
        choices=ClosedReplyPolicy.choices,
        default=ClosedReplyPolicy.REOPEN,
    )

    class Meta:
        verbose_name = _("helpdesk settings")
        verbose_name_plural = _("helpdesk settings")

    def __str__(self) -> str:
        return str(_("Helpdesk settings"))

    @classmethod
    def load(cls) -> HelpdeskSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
