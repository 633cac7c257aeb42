"""Tickets through the API: every read starts from ``tickets.queries``, every
change is one call to ``tickets.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.tickets import queries, services
from comptoir.tickets.models import Category, Channel, Ticket
from comptoir.tickets.richtext import text_to_html

from .. import custom_fields
from ..filters import ORDERINGS, TicketFilterSerializer, filter_tickets
from ..idempotency import idempotent
from ..serializers.tickets import (
    AssignSerializer,
    MergeSerializer,
    MessageSerializer,
    ReplyResultSerializer,
    ReplySerializer,
    StatusChangeSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from . import references as ref
from .base import ApiViewMixin, IsAgent, is_agent

NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="Ticket number."
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Send the same key again to get the first answer instead of a second creation.",
)
TICKET_RELATED = (
    "status",
    "type",
    "priority",
    "organisation",
    "group",
    "requester",
    "assignee",
    "follows",
)
AGENT_ACTIONS = {"partial_update", "note", "change_status", "assign", "merge"}


def html_of(data: dict[str, Any], field: str) -> str:
    value = data.get(field) or ""
    return value if data.get("body_format", "html") == "html" else text_to_html(value)


@extend_schema_view(
    list=extend_schema(parameters=[TicketFilterSerializer], summary="List tickets"),
    retrieve=extend_schema(parameters=[NUMBER], summary="Get a ticket"),
)
class TicketViewSet(ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,9}"
    cursor_ordering: tuple[str, ...] = ORDERINGS["-updated"]

    def get_permissions(self) -> list[Any]:
        permissions = super().get_permissions()
        if self.action in AGENT_ACTIONS:
            permissions.append(IsAgent())
        return permissions

    def get_queryset(self) -> QuerySet[Ticket]:
        return (
            queries.visible_tickets(self.request.user)
            .select_related(*TICKET_RELATED)
            .prefetch_related("products", "themes")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not context["agent"] and self.action != "messages":
            context["customer_field_keys"] = custom_fields.customer_field_keys()
        return context

    def _ticket(self, number: Any) -> Ticket:
        return queries.access_ticket(self.request.user, number)

    def _show(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request) -> Response:
        params = TicketFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        tickets = filter_tickets(
            self.get_queryset(),
            params.validated_data,
            user=request.user,
            agent=is_agent(request.user),
        )
        self.cursor_ordering = ORDERINGS[params.validated_data.get("ordering", "-updated")]
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, number: str) -> Response:
        return self._show(self._ticket(number))

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer},
        parameters=[IDEMPOTENCY],
        summary="Open a ticket",
    )
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        form = TicketCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        agent = is_agent(request.user)
        if not agent and ("requester" in data or "group" in data):
            raise ValidationError({"requester": [_("Only agents can open tickets for others.")]})
        requester = ref.customer(data["requester"]) if "requester" in data else request.user
        ticket_type = ref.ticket_type(data["type"])
        ticket = services.ticket_create(
            requester=requester,
            subject=data["subject"],
            description_html=html_of(data, "description"),
            type=ticket_type,
            # Left out: the organisation's contract decides, else the default priority.
            priority=ref.priority(data["priority"]) if data.get("priority") else None,
            organisation=ref.organisation(
                data.get("organisation"), requester=requester, agent=agent
            ),
            products=ref.many_active(ref.Product, data["products"], "products"),
            themes=ref.many_active(ref.Theme, data["themes"], "themes"),
            custom_fields=custom_fields.clean_custom_fields(
                data["custom_fields"], ticket_type=ticket_type, for_agent=agent, check_required=True
            ),
            attachments=ref.drafts(data["attachments"], user=request.user),
            channel=Channel.API,
            created_by=request.user if requester != request.user else None,
            group=ref.group(data.get("group")),
        )
        response = self._show(ticket, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:ticket-detail", kwargs={"number": ticket.number})
        return response

    @extend_schema(
        request=TicketUpdateSerializer, parameters=[NUMBER], summary="Requalify a ticket (agents)"
    )
    def partial_update(self, request: Request, number: str) -> Response:
        ticket = self._ticket(number)
        form = TicketUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = self._changes(ticket, form.validated_data)
        services.ticket_update_fields(ticket=ticket, actor=request.user, **changes)
        return self._show(ticket)

    def _changes(self, ticket: Ticket, data: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "subject" in data:
            changes["subject"] = " ".join(data["subject"].split()) or ticket.subject
        if "type" in data:
            changes["type"] = ref.ticket_type(data["type"])
        if "priority" in data:
            changes["priority"] = ref.priority(data["priority"])
        if "organisation" in data:
            changes["organisation"] = ref.any_organisation(data["organisation"])
        if "group" in data:
            changes["group"] = ref.group(data["group"])
        for name in ("products", "themes"):
            if name in data:
                model = ref.Product if name == "products" else ref.Theme
                changes[name] = ref.many_active(model, data[name], name)
        if "custom_fields" in data:
            changes["custom_fields"] = custom_fields.clean_custom_fields(
                data["custom_fields"],
                ticket_type=changes.get("type", ticket.type),
                for_agent=True,
                check_required=False,
            )
        return changes

    def _reply(self, request: Request, number: str, *, internal: bool) -> Response:
        ticket = self._ticket(number)
        if not queries.ticket_rights(request.user, ticket).reply:
            raise PermissionDenied()
        form = ReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = services.ticket_reply(
            ticket=ticket,
            author=request.user,
            body_html=html_of(form.validated_data, "body"),
            attachments=ref.drafts(form.validated_data["attachments"], user=request.user),
            internal=internal,
            channel=Channel.API,
        )
        data = {
            "ticket": result.ticket.number,
            "opened_follow_up": result.opened_follow_up,
            "message": result.message,
        }
        shown = ReplyResultSerializer(data, context=self.get_serializer_context()).data
        return Response(shown, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReplySerializer,
        responses={201: ReplyResultSerializer},
        parameters=[NUMBER, IDEMPOTENCY],
        summary="Reply publicly",
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, number: str) -> Response:
        return idempotent(request, lambda: self._reply(request, number, internal=False))

    @extend_schema(
        request=ReplySerializer,
        responses={201: ReplyResultSerializer},
        parameters=[NUMBER, IDEMPOTENCY],
        summary="Add an internal note (agents)",
    )
    @action(detail=True, methods=["post"])
    def note(self, request: Request, number: str) -> Response:
        return idempotent(request, lambda: self._reply(request, number, internal=True))

    @extend_schema(
        request=StatusChangeSerializer, parameters=[NUMBER], summary="Change the status (agents)"
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, number: str) -> Response:
        ticket = self._ticket(number)
        form = StatusChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        new_status = ref.status(form.validated_data["status"])
        services.ticket_change_status(ticket=ticket, actor=request.user, status=new_status)
        return self._show(ticket)

    @extend_schema(request=None, parameters=[NUMBER], summary="Close a ticket")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, number: str) -> Response:
        ticket = self._ticket(number)
        if not queries.ticket_rights(request.user, ticket).close:
            raise PermissionDenied()
        if ticket.category != Category.CLOSED:
            services.ticket_close(ticket=ticket, actor=request.user)
        return self._show(ticket)

    @extend_schema(
        request=MergeSerializer,
        parameters=[NUMBER],
        summary="Merge a duplicate into another ticket (agents)",
        description="Moves the messages into the other ticket, closes this one and "
        "answers with the ticket merged into.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, number: str) -> Response:
        source = self._ticket(number)
        form = MergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            target = self._ticket(form.validated_data["into"])
        except Http404:
            raise ValidationError({"into": [_("There is no such ticket.")]}) from None
        services.ticket_merge(source=source, target=target, actor=request.user)
        return self._show(target)

    @extend_schema(request=AssignSerializer, parameters=[NUMBER], summary="Assign (agents)")
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, number: str) -> Response:
        ticket = self._ticket(number)
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assignee = ref.agent(form.validated_data["assignee"])
        services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
        return self._show(ticket)

    @extend_schema(
        responses={200: MessageSerializer(many=True)},
        parameters=[NUMBER],
        summary="List a ticket's messages",
    )
    @action(detail=True, methods=["get"], serializer_class=MessageSerializer)
    def messages(self, request: Request, number: str) -> Response:
        ticket = self._ticket(number)
        self.cursor_ordering = ("created_at", "pk")
        messages = queries.visible_messages(request.user, ticket).prefetch_related("attachments")
        page = self.paginate_queryset(messages.select_related("ticket"))
        return self.get_paginated_response(
            MessageSerializer(page, many=True, context=self.get_serializer_context()).data
        )
