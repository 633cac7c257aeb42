"""Small shapes shared by the API's serializers. Serializers only shape data:
they read what the view fetched (already prefetched) and never decide who
sees what."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Ids beyond what a database integer holds are refused as invalid, not sent to the database.
MAX_ID = 2**63 - 1
MAX_HTML = 2_000_000


def viewer_is_agent(context: dict[str, Any]) -> bool:
    """Agent view of the data: set by the view from the caller (webhooks: always)."""
    return bool(context.get("agent"))


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code for programs, such as not_found."))
    message = serializers.CharField(help_text=_("Translated message for people."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Problems per input field."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class LabelSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    label = serializers.CharField()


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """Someone shown in the API: customers see names only, agents also emails."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField(allow_null=True)
    is_agent = serializers.BooleanField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        own = request is not None and getattr(request.user, "pk", None) == instance.pk
        if not (viewer_is_agent(self.context) or own):
            data["email"] = None
        return data


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BodyInputSerializer(serializers.Serializer):
    """A message body: HTML (sanitised by the services) or plain text."""

    body = serializers.CharField(
        max_length=MAX_HTML,
        allow_blank=True,
        required=False,
        default="",
        trim_whitespace=False,
        help_text=_("The message, as HTML (cleaned on the way in) or plain text."),
    )
    body_format = serializers.ChoiceField(
        choices=[("html", "html"), ("text", "text")],
        default="html",
        help_text=_("How to read body: html (default) or text."),
    )
    attachments = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=50,
        required=False,
        default=list,
        help_text=_("Keys of files uploaded beforehand to /api/v1/attachments/."),
    )
