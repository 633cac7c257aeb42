"""Admin: survey settings, every answer (agents read ratings and comments here
until the desk shows them), export jobs."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import ExportJob, Survey, SurveySettings


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "trigger", "scale", "answer_days", "bad_score"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["ticket", "requester", "created_at", "score", "comment", "answered_at"]
    list_filter = ["score", "scale", "created_at", "answered_at"]
    search_fields = ["ticket__number", "ticket__subject", "requester__email", "comment"]
    list_select_related = ["ticket", "requester"]
    readonly_fields = [
        "ticket",
        "requester",
        "resolved_at",
        "scale",
        "created_at",
        "answer_until",
        "score",
        "comment",
        "answered_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "requester", "state", "total", "done", "created_at", "expires_at"]
    list_filter = ["state", "format"]
    list_select_related = ["requester"]
    readonly_fields = [
        "key",
        "requester",
        "params",
        "format",
        "state",
        "total",
        "done",
        "file",
        "filename",
        "error",
        "created_at",
        "finished_at",
        "expires_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
