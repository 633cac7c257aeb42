"""The agent desk's own data: routing, assignment settings, macros, saved views,
followers, linked tickets and who is looking at which ticket.

Tickets themselves are never changed here: every change goes through
``comptoir.tickets.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.tickets.models import Channel


class AssignmentMode(models.TextChoices):
    NONE = "none", _("No automatic assignment")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_OPEN = "least_open", _("Agent with the fewest open tickets")


class DeskGroupSettings(models.Model):
    """How new tickets of a group are given to its agents."""

    group = models.OneToOneField(
        "accounts.SupportGroup",
        on_delete=models.CASCADE,
        related_name="desk_settings",
        verbose_name=_("group"),
    )
    assignment = models.CharField(
        _("automatic assignment"),
        max_length=20,
        choices=AssignmentMode.choices,
        default=AssignmentMode.NONE,
    )
    max_open_per_agent = models.PositiveIntegerField(
        _("open tickets per agent at most"),
        null=True,
        blank=True,
        help_text=_(
            "Agents who already hold this many open tickets are skipped. Empty: no limit. "
            "An agent's own limit, when set, wins."
        ),
    )
    # The round-robin pointer: the next ticket goes to the agent after this one.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last agent given a ticket"),
    )

    class Meta:
        verbose_name = _("group assignment settings")
        verbose_name_plural = _("group assignment settings")

    def __str__(self) -> str:
        return str(self.group)


class DeskAgentProfile(models.Model):
    """An agent's desk settings: away (no automatic assignment) and a limit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="desk_profile",
        verbose_name=_("agent"),
    )
    away = models.BooleanField(
        _("away"), default=False, help_text=_("Away agents get no ticket automatically.")
    )
    max_open_tickets = models.PositiveIntegerField(
        _("open tickets at most"),
        null=True,
        blank=True,
        help_text=_("Automatic assignment skips the agent at this many open tickets."),
    )

    class Meta:
        verbose_name = _("agent desk profile")
        verbose_name_plural = _("agent desk profiles")

    def __str__(self) -> str:
        return str(self.user)


class RoutingRule(models.Model):
    """Sends new tickets to a group (and optionally sets a priority). Rules are
    tried in order; the first whose conditions all match wins. An empty condition
    matches every ticket; within a condition, any of the values matches."""

    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    products = models.ManyToManyField(
        "tickets.Product", blank=True, related_name="+", verbose_name=_("products")
    )
    themes = models.ManyToManyField(
        "tickets.Theme", blank=True, related_name="+", verbose_name=_("themes")
    )
    ticket_types = models.ManyToManyField(
        "tickets.TicketType", blank=True, related_name="+", verbose_name=_("ticket types")
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: any channel."),
    )
    group = models.ForeignKey(
        "accounts.SupportGroup",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("send to group"),
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set priority"),
        help_text=_("Empty: keep the priority the customer chose."),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A canned response: text with placeholders, and optional changes to apply
    with it. Shared (no owner) or personal."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="desk_macros",
        verbose_name=_("owner"),
        help_text=_("Empty: shared with every agent."),
    )
    body_html = models.TextField(_("text"), blank=True)
    as_note = models.BooleanField(
        _("internal note"), default=False, help_text=_("Written as an internal note.")
    )
    set_status = models.ForeignKey(
        "tickets.Status",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("then set status"),
    )
    set_type = models.ForeignKey(
        "tickets.TicketType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set type"),
    )
    set_priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set priority"),
    )
    set_group = models.ForeignKey(
        "accounts.SupportGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set group"),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class SavedView(models.Model):
    """A queue with its filters and sort, saved by an agent for themselves."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="desk_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="desk_view_owner_name")
        ]

    def __str__(self) -> str:
        return self.name


class TicketFollower(models.Model):
    """An agent who wants to hear about a ticket they do not handle."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="desk_followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_following"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="desk_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.ticket}"


class TicketLink(models.Model):
    """Two related tickets (not duplicates: those are merged). Stored once,
    lower ticket id first, and read both ways."""

    first = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linked tickets")
        verbose_name_plural = _("linked tickets")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="desk_link_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="desk_link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ↔ {self.second_id}"


class TicketPresence(models.Model):
    """Who has a ticket open, and who is typing on it (collision notice). Rows
    are refreshed by the page while it is open; old ones mean nothing."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(db_index=True)
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="desk_presence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.ticket_id}"


class BulkFollowUp(models.Model):
    """One ticket's consequences of a bulk change, done (see ``tasks``)."""

    key = models.CharField(max_length=64)
    ticket_id = models.PositiveIntegerField()
    done_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "ticket_id"], name="desk_bulk_follow_up_once")
        ]

    def __str__(self) -> str:
        return f"{self.key}:{self.ticket_id}"
