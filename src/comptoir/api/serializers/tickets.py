"""Tickets, messages and attachments as the API shows them, and the shapes of
the requests that change them (the changes themselves are the services')."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comptoir.tickets.models import Attachment, Category, Message, Ticket

from .common import (
    MAX_HTML,
    BodyInputSerializer,
    LabelSerializer,
    NamedSerializer,
    PersonSerializer,
    id_field,
    viewer_is_agent,
)

CATEGORY_CHOICES = Category.choices


class StatusSerializer(serializers.Serializer):
    slug = serializers.SlugField(
        allow_null=True, help_text=_("Null for customers when the status is internal.")
    )
    label = serializers.CharField()
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES)
    colour = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    key = serializers.UUIDField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["key", "filename", "content_type", "size", "inline", "created_at", "download_url"]

    def get_download_url(self, obj: Attachment) -> str:
        return reverse("api:attachment-download", kwargs={"key": obj.key})


class MessageSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    attachments = AttachmentSerializer(many=True, source="attachments.all")
    ticket = serializers.IntegerField(source="ticket.number")

    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "author",
            "internal",
            "body_html",
            "body_text",
            "channel",
            "created_at",
            "attachments",
        ]


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    status = serializers.SerializerMethodField()
    type = LabelSerializer()
    priority = LabelSerializer()
    organisation = NamedSerializer(allow_null=True)
    group = NamedSerializer(allow_null=True, help_text=_("Agents only (null for customers)."))
    requester = PersonSerializer()
    assignee = PersonSerializer(allow_null=True)
    products = NamedSerializer(many=True, source="products.all")
    themes = NamedSerializer(many=True, source="themes.all")
    custom_fields = serializers.SerializerMethodField()
    follows = serializers.IntegerField(source="follows.number", allow_null=True, default=None)
    first_response_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Agents only (null for customers).")
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "number",
            "reference",
            "subject",
            "status",
            "type",
            "priority",
            "organisation",
            "group",
            "requester",
            "assignee",
            "products",
            "themes",
            "custom_fields",
            "channel",
            "language",
            "follows",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "url",
        ]

    @extend_schema_field(StatusSerializer)
    def get_status(self, obj: Ticket) -> dict[str, Any]:
        status = obj.status
        if viewer_is_agent(self.context):
            return {
                "slug": status.slug,
                "label": status.label,
                "category": status.category,
                "colour": status.colour,
            }
        return {
            "slug": status.slug if status.visible_to_customer else None,
            "label": status.customer_label,
            "category": status.category,
            "colour": status.colour,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_custom_fields(self, obj: Ticket) -> dict[str, Any]:
        if viewer_is_agent(self.context):
            return dict(obj.custom_fields)
        shown = self.context.get("customer_field_keys", frozenset())
        return {k: v for k, v in obj.custom_fields.items() if k in shown}

    def get_url(self, obj: Ticket) -> str:
        return reverse("portal:ticket", kwargs={"number": obj.number})

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            data["group"] = None
            data["first_response_at"] = None
        return data


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=250)
    description = serializers.CharField(max_length=MAX_HTML, trim_whitespace=False)
    body_format = serializers.ChoiceField(
        choices=[("html", "html"), ("text", "text")], default="html"
    )
    type = serializers.SlugField(help_text=_("Code of an active ticket type."))
    priority = serializers.SlugField(
        required=False, help_text=_("Code of an active priority; the default one if left out.")
    )
    organisation = id_field(
        required=False,
        allow_null=True,
        help_text=_("One of the requester's organisations (needed when they have several)."),
    )
    products = serializers.ListField(child=id_field(), max_length=50, default=list)
    themes = serializers.ListField(child=id_field(), max_length=50, default=list)
    custom_fields = serializers.DictField(default=dict)
    attachments = serializers.ListField(child=serializers.UUIDField(), max_length=50, default=list)
    requester = id_field(
        required=False, help_text=_("Agents only: open the ticket for this customer.")
    )
    group = id_field(required=False, allow_null=True, help_text=_("Agents only."))


class TicketUpdateSerializer(serializers.Serializer):
    """Agents requalify a ticket; fields left out are not changed."""

    subject = serializers.CharField(max_length=250, required=False)
    type = serializers.SlugField(required=False)
    priority = serializers.SlugField(required=False)
    organisation = id_field(required=False, allow_null=True)
    group = id_field(required=False, allow_null=True)
    products = serializers.ListField(child=id_field(), max_length=50, required=False)
    themes = serializers.ListField(child=id_field(), max_length=50, required=False)
    custom_fields = serializers.DictField(required=False)


class ReplySerializer(BodyInputSerializer):
    pass


class ReplyResultSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text=_("Number of the ticket the message is on."))
    opened_follow_up = serializers.BooleanField(
        help_text=_("True when the ticket was closed and the reply opened a new linked ticket.")
    )
    message = MessageSerializer()


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.SlugField(help_text=_("Code of an active status."))


class AssignSerializer(serializers.Serializer):
    assignee = id_field(allow_null=True, help_text=_("An agent's id, or null for nobody."))


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(
        min_value=1, max_value=999_999_999, help_text=_("Number of the ticket to merge into.")
    )


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
