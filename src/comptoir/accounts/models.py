"""People and organisations: customers, agents, organisations, agent groups."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    ADMIN = "admin", _("Administrator")


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
        related_name="members",
        blank=True,
        verbose_name=_("organisations"),
    )
    previous_login = models.DateTimeField(_("previous login"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

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
        return self.role in (Role.AGENT, Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """A customer's company ("structure" in the seeds)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
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
        limit_choices_to={"role__in": [Role.AGENT, Role.ADMIN]},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name
