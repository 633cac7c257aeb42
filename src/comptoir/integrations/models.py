"""In-app support entry: a vendor's application sends its user to the portal,
already logged in, with a short-lived signed link (a JWT signed with the
integration's shared secret).

No business rule lives here: integrations change through ``services``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import secretbox

MAX_LIFETIME_LIMIT = 900


class OrganisationPolicy(models.TextChoices):
    CREATE = "create", _("Create the organisation if it does not exist yet")
    EXISTING = "existing", _("Only join organisations that already exist")


class Integration(models.Model):
    """A vendor application allowed to send its users to the portal."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("identifier"),
        unique=True,
        help_text=_(
            "Sent by the application in the token header (kid) or in the iss claim. "
            "Letters, digits, hyphens."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    # Encrypted (see secretbox); shown once, when created or rotated.
    secret_sealed = models.TextField(editable=False, blank=True)
    previous_secret_sealed = models.TextField(editable=False, blank=True)
    previous_valid_until = models.DateTimeField(
        _("previous secret accepted until"), null=True, blank=True, editable=False
    )
    secret_rotated_at = models.DateTimeField(
        _("secret created"), null=True, blank=True, editable=False
    )
    rotation_overlap_hours = models.PositiveSmallIntegerField(
        _("overlap after a rotation (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_(
            "After a rotation, links signed with the previous secret are still "
            "accepted for this long, while the application switches to the new one."
        ),
    )
    max_lifetime = models.PositiveIntegerField(
        _("longest link lifetime (seconds)"),
        default=300,
        validators=[MinValueValidator(10), MaxValueValidator(MAX_LIFETIME_LIMIT)],
        help_text=_("Links whose exp minus iat is longer than this are refused."),
    )
    allowed_domains = models.TextField(
        _("allowed email domains"),
        blank=True,
        help_text=_(
            "One per line (or separated by commas). When set, only addresses at these "
            "domains may enter through this integration."
        ),
    )
    organisation_policy = models.CharField(
        _("organisations"),
        max_length=16,
        choices=OrganisationPolicy.choices,
        default=OrganisationPolicy.CREATE,
    )
    default_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default organisation"),
        help_text=_(
            "Joined when the link names no organisation, or names one that may not be created."
        ),
    )
    account_field = models.ForeignKey(
        "tickets.CustomField",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"field_type__in": ["text", "long_text"]},
        verbose_name=_("account name field"),
        help_text=_(
            "The ticket field filled with the account name the application sends. "
            "Empty: the custom field with the key account-name, if there is one."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name

    def secrets_for(self, now: datetime) -> list[str]:
        """The secrets a link may be signed with at ``now``: current, then previous
        while the overlap lasts."""
        found = [secretbox.unseal(self.secret_sealed)]
        if self.previous_valid_until is not None and now < self.previous_valid_until:
            found.append(secretbox.unseal(self.previous_secret_sealed))
        return [s for s in found if s]

    def domain_list(self) -> list[str]:
        raw = self.allowed_domains.replace(",", "\n").split()
        return [d.strip().lower().lstrip("@") for d in raw if d.strip()]


class IntegrationOrganisation(models.Model):
    """The organisation an application's own identifier for a customer stands for."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="organisations"
    )
    external_id = models.CharField(_("identifier in the application"), max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("organisation of an integration")
        verbose_name_plural = _("organisations of integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="integration_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration} · {self.external_id}"


class UsedToken(models.Model):
    """A link already used (its ``jti``), kept until it would have expired anyway."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "jti"], name="used_token_unique")
        ]

    def __str__(self) -> str:
        return self.jti


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")


class IntegrationLogEntry(models.Model):
    """One attempt to enter through a link: who, from where, and why it was refused."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    integration = models.ForeignKey(
        Integration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="log_entries",
        verbose_name=_("integration"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    remote_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    email = models.CharField(_("email claim"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("entry log")
        verbose_name_plural = _("entry log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.outcome} {self.reason}"
