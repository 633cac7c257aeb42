"""Integrations are configured by administrators here. A secret is shown once:
on the page that follows the integration's creation or a rotation; the lists and
forms never show it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Integration, IntegrationLogEntry


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active", "secret_rotated_at", "previous_valid_until"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    fields = [
        "name",
        "slug",
        "active",
        "max_lifetime",
        "allowed_domains",
        "organisation_policy",
        "default_organisation",
        "account_field",
        "rotation_overlap_hours",
        "created_at",
        "secret_rotated_at",
        "previous_valid_until",
    ]
    readonly_fields = ["created_at", "secret_rotated_at", "previous_valid_until"]
    raw_id_fields = ["default_organisation"]
    actions = ["rotate_secret", "end_overlap"]

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            request._new_integration_secrets = [  # type: ignore[attr-defined]
                (obj, services.integration_set_secret(integration=obj), None)
            ]

    def response_add(
        self, request: HttpRequest, obj: Integration, post_url_continue: str | None = None
    ) -> HttpResponse:
        shown = getattr(request, "_new_integration_secrets", None)
        if shown:
            return self._secret_page(request, shown)
        return super().response_add(request, obj, post_url_continue)

    def _secret_page(self, request: HttpRequest, shown: list[Any]) -> HttpResponse:
        response = TemplateResponse(
            request,
            "admin/integrations/secret.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Integration secret"),
                "opts": self.model._meta,
                "shown": shown,
                "changelist_url": reverse("admin:integrations_integration_changelist"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Rotate the secret of the selected integrations"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Integration]) -> HttpResponse:
        shown = []
        for integration in queryset:
            plain = services.integration_rotate_secret(integration=integration)
            shown.append((integration, plain, integration.previous_valid_until))
        return self._secret_page(request, shown)

    @admin.action(description=_("Stop accepting the previous secret now"))
    def end_overlap(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        now = timezone.now()
        for integration in queryset:
            services.integration_end_overlap(integration=integration, now=now)
        self.message_user(
            request, _("The previous secrets are no longer accepted."), messages.SUCCESS
        )


@admin.register(IntegrationLogEntry)
class IntegrationLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "outcome", "reason", "integration", "email", "remote_ip"]
    list_filter = ["outcome", "reason", "integration"]
    search_fields = ["email", "remote_ip"]
    list_select_related = ["integration"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "integration",
        "outcome",
        "reason",
        "detail",
        "remote_ip",
        "email",
        "user",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
