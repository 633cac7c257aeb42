from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ActivationLink, Membership, Organisation, OrganisationDomain, SupportGroup, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "sees_all_tickets", "is_manager"]
    verbose_name = _("organisation")
    verbose_name_plural = _("organisations and rights")


class UserCreationForm(forms.ModelForm):
    """New accounts get no password here: the person chooses it through the
    activation link mailed to them (seeds 002 and 004)."""

    send_activation = forms.BooleanField(
        label=_("Send the activation email now"), required=False, initial=True
    )

    class Meta:
        model = User
        fields = ["email", "role", "first_name", "last_name", "language"]

    def clean_email(self) -> str:
        email = services.normalise_email(self.cleaned_data["email"])
        if services.email_taken(email):
            raise ValidationError(
                _("An account with the address %(email)s already exists."),
                params={"email": email},
                code="duplicate_email",
            )
        return email


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "restricted_to_groups", "organisations"]
    search_fields = ["email", "first_name", "last_name"]
    filter_horizontal = ["groups", "user_permissions"]
    inlines = [MembershipInline]
    actions = ["send_activation"]
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "phone",
                    "language",
                    "time_zone",
                    "date_format",
                )
            },
        ),
        (_("Support"), {"fields": ("role", "restricted_to_groups")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "previous_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "role",
                    "first_name",
                    "last_name",
                    "language",
                    "send_activation",
                ),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Created through the service so that it is exactly what an import or an
        # invitation makes: no password, domain auto-join, activation link.
        user = services.user_create(
            email=obj.email,
            role=obj.role,
            first_name=obj.first_name,
            last_name=obj.last_name,
            language=obj.language,
            created_by=request.user,  # type: ignore[arg-type]
            send_activation=form.cleaned_data.get("send_activation", False),
        )
        obj.pk = user.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(description=_("Send an activation email"))
    def send_activation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = 0
        for user in queryset.filter(is_active=True):
            if user.has_usable_password():
                continue
            services.activation_send(user=user, created_by=request.user)  # type: ignore[arg-type]
            sent += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d activation email sent (accounts already activated are skipped).",
                "%(count)d activation emails sent (accounts already activated are skipped).",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )


class DomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


class MemberInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "sees_all_tickets", "is_manager"]
    verbose_name = _("member")
    verbose_name_plural = _("members and rights")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ["name", "domains__domain"]
    list_display = ["name", "auto_join", "created_at"]
    fields = ["name", "auto_join"]
    inlines = [DomainInline, MemberInline]


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    filter_horizontal = ["agents"]


@admin.register(ActivationLink)
class ActivationLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "used_at", "created_by"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "created_at", "expires_at", "used_at", "created_by"]
    exclude = ["nonce"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
