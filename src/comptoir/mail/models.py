"""The email channel's own records: mailboxes, every mail in and out, preferences.

Tickets and their messages live in ``tickets``; this app keeps what mail needs
besides them: the raw mail as received (audit, "show original", reprocessing),
each ingestion decision with its reason, every notification sent with its
Message-ID and delivery state (threading and "nothing lost"), and the
per-person notification choices.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Organisation domains moved to the accounts app (sign-up, imports and mail all
# use them); imported here for code that still looks for them in this module.
from comptoir.accounts.models import OrganisationDomain  # noqa: F401


class Security(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local servers only)")


class UnknownSenders(models.TextChoices):
    CREATE = "create", _("Create a contact and a ticket")
    REFUSE = "refuse", _("Refuse the mail with a polite answer")


class Mailbox(models.Model):
    """A support address: where mail arrives (IMAP or a mail server pipe) and
    the address notifications of its tickets come from."""

    address = models.EmailField(_("address"), unique=True)
    display_name = models.CharField(_("sender name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default mailbox"),
        default=False,
        help_text=_("Used for mail that names no known mailbox and for tickets opened on the web."),
    )
    imap_host = models.CharField(
        _("IMAP host"), max_length=200, blank=True, help_text=_("Leave empty to not poll.")
    )
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=200,
        blank=True,
        help_text=_("A folder name; leave empty to leave mail where it is. Mail is never deleted."),
    )
    default_group = models.ForeignKey(
        "accounts.SupportGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group of new tickets"),
    )
    default_type = models.ForeignKey(
        "tickets.TicketType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("type of new tickets"),
    )
    language = models.CharField(
        _("language of new contacts"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fr",
    )
    unknown_senders = models.CharField(
        _("mail from unknown senders"),
        max_length=10,
        choices=UnknownSenders.choices,
        default=UnknownSenders.CREATE,
    )
    # Polling state: the UID to resume from, valid only with its UIDVALIDITY.
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID seen"), default=0)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def polls(self) -> bool:
        return self.active and bool(self.imap_host)


class MailSettings(models.Model):
    """The email channel's settings, one row (created by a migration)."""

    max_message_mb = models.PositiveIntegerField(
        _("largest message processed (MB)"),
        default=30,
        help_text=_("Larger mail is stored and noted on a ticket, but not parsed."),
    )
    rate_limit_count = models.PositiveIntegerField(
        _("mails per sender"),
        default=30,
        help_text=_("More mail than this from one address within the window is set aside."),
    )
    rate_limit_minutes = models.PositiveIntegerField(_("rate limit window (minutes)"), default=10)
    notify_received = models.BooleanField(_("customer: ticket received"), default=True)
    notify_assigned = models.BooleanField(_("customer: ticket assigned"), default=True)
    notify_reply = models.BooleanField(_("customer: agent reply"), default=True)
    notify_status = models.BooleanField(_("customer: every status change"), default=True)
    notify_resolved = models.BooleanField(_("customer: ticket resolved"), default=True)
    notify_closed = models.BooleanField(_("customer: ticket closed"), default=True)
    max_send_attempts = models.PositiveIntegerField(
        _("sending attempts before giving up"),
        default=40,
        help_text=_("Retries back off up to one hour apart: 40 attempts cover about a day."),
    )

    class Meta:
        verbose_name = _("email settings")
        verbose_name_plural = _("email settings")

    def __str__(self) -> str:
        return str(_("Email settings"))

    @classmethod
    def load(cls) -> MailSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class TicketMail(models.Model):
    """Which mailbox a ticket belongs to (its reply address) and its mail CCs."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="mail", primary_key=True
    )
    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, related_name="+")
    cc = models.JSONField(_("copied addresses"), default=list, blank=True)

    class Meta:
        verbose_name = _("ticket mail settings")
        verbose_name_plural = _("ticket mail settings")

    def __str__(self) -> str:
        return str(self.ticket_id)


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    CREATED = "created", _("Created a ticket")
    APPENDED = "appended", _("Added to a ticket")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    REJECTED = "rejected", _("Refused")
    FAILED = "failed", _("Failed")


def raw_path(instance: InboundMail, filename: str) -> str:
    return f"mail/raw/{instance.raw_sha256[:2]}/{instance.raw_sha256}.eml"


class InboundMail(models.Model):
    """One mail as delivered, stored raw before it is parsed, with what became of it."""

    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound",
        verbose_name=_("mailbox"),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    raw = models.FileField(_("original"), upload_to=raw_path, max_length=200)
    raw_size = models.PositiveBigIntegerField(_("size"))
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    # Message-ID, or a content hash when there is none: one ticket message per key.
    dedup_key = models.CharField(max_length=255)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mails",
        verbose_name=_("ticket"),
    )
    ticket_message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mails",
        verbose_name=_("message"),
    )
    attachment_count = models.PositiveIntegerField(_("attachments"), default=0)
    auto_submitted = models.BooleanField(_("automatic mail"), default=False)
    # The whole body, before quoted history and signatures were folded away.
    full_html = models.TextField(blank=True)
    full_text = models.TextField(blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("incoming mail")
        verbose_name_plural = _("incoming mail")
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(duplicate_of__isnull=True),
                name="inbound_one_primary_per_key",
            )
        ]
        indexes = [models.Index(fields=["from_address", "received_at"], name="inbound_sender")]

    def __str__(self) -> str:
        return f"{self.from_address} · {self.subject}"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class OutboundMail(models.Model):
    """A mail we send: rendered once, sent by a task until it goes or gives up."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_mails",
        verbose_name=_("ticket"),
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inbound = models.ForeignKey(
        InboundMail, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    kind = models.CharField(_("kind"), max_length=40)
    # One notification per (event, recipient) even if its task runs twice.
    dedup_key = models.CharField(max_length=120, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_address = models.CharField(_("from"), max_length=300)
    to_address = models.EmailField(_("to"))
    cc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    auto_submitted = models.CharField(max_length=20, default="auto-generated")
    state = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_due"),
            models.Index(fields=["ticket", "to_address", "created_at"], name="outbound_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.to_address} · {self.subject}"


class AddressState(models.Model):
    """What we learnt about an address from delivery failures."""

    address = models.EmailField(_("address"), unique=True)
    bouncing = models.BooleanField(_("bouncing"), default=False)
    bounced_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("address state")
        verbose_name_plural = _("address states")

    def __str__(self) -> str:
        return self.address


class NotificationPreference(models.Model):
    """Which notifications one person wants; the helpdesk settings come first."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        primary_key=True,
    )
    received = models.BooleanField(_("My request was received"), default=True)
    assigned = models.BooleanField(_("An agent handles my request"), default=True)
    reply = models.BooleanField(_("An agent answered"), default=True)
    status = models.BooleanField(_("The status of my request changed"), default=True)
    resolved = models.BooleanField(_("My request is resolved or closed"), default=True)
    agent_new_ticket = models.BooleanField(_("A new ticket arrived in my group"), default=True)
    agent_assigned = models.BooleanField(_("A ticket was assigned to me"), default=True)
    agent_customer_reply = models.BooleanField(_("A customer replied"), default=True)
    agent_mentioned = models.BooleanField(_("I was mentioned in a note"), default=True)

    CUSTOMER_FIELDS = ("received", "assigned", "reply", "status", "resolved")
    AGENT_FIELDS = ("agent_new_ticket", "agent_assigned", "agent_customer_reply", "agent_mentioned")

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
