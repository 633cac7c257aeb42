"""The caller, contacts (customers), agents, organisations and groups.

Customers see themselves and their own organisations; the directory of people
and groups is for agents, as on the search page (``search.views``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, views, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.accounts.models import Organisation, Role, SupportGroup, User

from ..serializers.common import id_field
from ..serializers.directory import (
    AgentSerializer,
    ContactSerializer,
    GroupSerializer,
    MeSerializer,
    OrganisationSerializer,
)
from .base import ApiViewMixin, IsAgent, is_agent


class DirectoryFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=100, required=False, help_text=_("Part of a name or an email address.")
    )
    organisation = id_field(required=False)


class MeView(ApiViewMixin, views.APIView):
    serializer_class = MeSerializer

    @extend_schema(summary="Who am I")
    def get(self, request: Request) -> Response:
        user = User.objects.prefetch_related("organisations").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class _Directory(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    cursor_ordering: tuple[str, ...] = ("pk",)
    lookup_value_regex = "[0-9]{1,18}"

    def filters(self) -> dict[str, Any]:
        params = DirectoryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)


@extend_schema_view(list=extend_schema(parameters=[DirectoryFilterSerializer]))
class ContactViewSet(_Directory):
    """Customers' accounts (agents only)."""

    serializer_class = ContactSerializer
    permission_classes = [IsAgent]

    def get_queryset(self) -> QuerySet[User]:
        people = User.objects.filter(role=Role.CUSTOMER).prefetch_related("organisations")
        if self.action != "list":
            return people
        params = self.filters()
        if q := params.get("q"):
            people = people.filter(
                Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
            )
        if "organisation" in params:
            people = people.filter(organisations=params["organisation"])
        return people


@extend_schema_view(list=extend_schema(parameters=[DirectoryFilterSerializer]))
class AgentViewSet(_Directory):
    """Agents, supervisors and administrators: who tickets can be assigned to."""

    serializer_class = AgentSerializer
    permission_classes = [IsAgent]

    def get_queryset(self) -> QuerySet[User]:
        people = User.objects.exclude(role=Role.CUSTOMER).filter(is_active=True)
        people = people.prefetch_related("support_groups")
        if self.action == "list" and (q := self.filters().get("q")):
            people = people.filter(
                Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
            )
        return people


@extend_schema_view(list=extend_schema(parameters=[DirectoryFilterSerializer]))
class OrganisationViewSet(_Directory):
    """Agents see every organisation; customers the ones they belong to."""

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        user = self.request.user
        organisations = (
            Organisation.objects.all()
            if is_agent(user)
            else Organisation.objects.filter(members=user)
        )
        if self.action == "list" and (q := self.filters().get("q")):
            organisations = organisations.filter(name__icontains=q)
        return organisations


class GroupViewSet(_Directory):
    """Teams of agents (agents only)."""

    serializer_class = GroupSerializer
    permission_classes = [IsAgent]

    def get_queryset(self) -> QuerySet[SupportGroup]:
        return SupportGroup.objects.prefetch_related("agents")
