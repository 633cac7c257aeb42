"""People and organisations: customers, agents, organisations, agent groups,
organisation memberships with their rights, email domains, activation links."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


# Roles that answer tickets; every one of them is ``User.is_agent``.
AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class DateFormat(models.TextChoices):
    # Django date formats; the user picks how dates read on every page.
    DAY_FIRST = "d/m/Y H:i", _("31/12/2026 14:30")
    MONTH_FIRST = "m/d/Y h:i A", _("12/31/2026 02:30 PM")
    ISO = "Y-m-d H:i", _("2026-12-31 14:30")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractUser):
    """One account per person, identified by email (unique whatever its case)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    date_format = models.CharField(
        _("date format"), max_length=16, choices=DateFormat.choices, default=DateFormat.DAY_FIRST
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        through="accounts.Membership",
        related_name="members",
        blank=True,
        verbose_name=_("organisations"),
    )
    restricted_to_groups = models.BooleanField(
        _("only the tickets of their groups"),
        default=False,
        help_text=_(
            "For agents: see only tickets of their groups or assigned to them. "
            "Supervisors and administrators always see every ticket."
        ),
    )
    previous_login = models.DateTimeField(_("previous login"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_agent(self) -> bool:
        return self.role in AGENT_ROLES

    @property
    def sees_every_ticket(self) -> bool:
        """Supervisors, administrators and unrestricted agents see every ticket."""
        return self.is_agent and (self.role != Role.AGENT or not self.restricted_to_groups)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """A customer's company ("structure" in the seeds)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    auto_join = models.BooleanField(
        _("new contacts join by email domain"),
        default=True,
        help_text=_(
            "A new contact whose address is at one of the organisation's domains "
            "becomes a member (sign-up, import, mail, added to a conversation)."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class SupportGroup(models.Model):
    """A team of agents tickets can be routed to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    agents = models.ManyToManyField(
        User,
        related_name="support_groups",
        blank=True,
        verbose_name=_("agents"),
        limit_choices_to={"role__in": list(AGENT_ROLES)},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person in an organisation, with what they may do there (seed 002: "selon
    vos droits")."""

    # The table Django made for the plain many-to-many keeps its name and integer id.
    id = models.AutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    sees_all_tickets = models.BooleanField(
        _("sees all the organisation's tickets"),
        default=False,
        help_text=_("Otherwise the member sees only the tickets they opened or are copied on."),
    )
    is_manager = models.BooleanField(
        _("organisation manager"),
        default=False,
        help_text=_("Sees all the organisation's tickets and grants that right to members."),
    )

    class Meta:
        db_table = "accounts_user_organisations"
        unique_together = [("user", "organisation")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"

    @property
    def sees_organisation(self) -> bool:
        return self.sees_all_tickets or self.is_manager


class OrganisationDomain(models.Model):
    """An email domain of an organisation: new contacts at it may join it."""

    domain = models.CharField(_("domain"), max_length=200, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="domains",
        verbose_name=_("organisation"),
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = _("organisation domain")
        verbose_name_plural = _("organisation domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Stored the way addresses are compared: lower case, no leading "@".
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class ActivationLink(models.Model):
    """A single-use, expiring link that lets a person created by the support team
    choose their password (seeds 002 and 004). The token sent by mail is an HMAC of
    the row and its nonce: the database alone does not give it away."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_links")
    nonce = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("activation link")
        verbose_name_plural = _("activation links")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
