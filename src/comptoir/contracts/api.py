"""Read-only REST endpoints of the hours bank: an organisation's balance with
its monthly account, and a ticket's time entries (agents)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, views
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.api.views.base import ApiViewMixin, IsAgent
from comptoir.tickets.queries import access_ticket

from .balance import contract_months
from .models import Contract, TimeEntry
from .queries import access_hours_organisation, active_contract

# Months of the account returned with the balance, newest last.
API_MONTHS = 24


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month.")
    carried_in = serializers.IntegerField(help_text="Minutes carried over from the month before.")
    credited = serializers.IntegerField(help_text="Minutes credited this month.")
    used = serializers.IntegerField(help_text="Billable minutes used this month.")
    expired = serializers.IntegerField(help_text="Minutes lost to the carry-over rules.")
    carried_out = serializers.IntegerField(help_text="Minutes carried to the next month.")
    complete = serializers.BooleanField(help_text="False for the current month.")


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "name", "start", "end", "carry_over_cap", "carry_over_months"]


class HoursSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    contract = ContractSerializer(allow_null=True)
    balance = serializers.IntegerField(allow_null=True, help_text="Minutes left today.")
    months = MonthSerializer(many=True)


class TimeEntrySerializer(serializers.ModelSerializer):
    agent = serializers.EmailField(source="agent.email")
    contract = serializers.IntegerField(source="contract_id", allow_null=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "date", "minutes", "billable", "note", "agent", "contract"]


class HoursView(ApiViewMixin, views.APIView):
    """The hours bank of an organisation: agents, and the organisation's managers."""

    serializer_class = HoursSerializer

    @extend_schema(summary="Hours balance of an organisation", responses={200: HoursSerializer})
    def get(self, request: Request, organisation: int) -> Response:
        found = access_hours_organisation(request.user, organisation)
        contract = active_contract(found.pk) or (
            Contract.objects.filter(organisation=found).order_by("-start").first()
        )
        months = contract_months(contract)[-API_MONTHS:] if contract else []
        data: dict[str, Any] = {
            "organisation": found.pk,
            "contract": contract,
            "balance": months[-1].carried_out if months else (0 if contract else None),
            "months": [vars(m) for m in months],
        }
        return Response(HoursSerializer(data).data)


class TicketTimeEntriesView(ApiViewMixin, generics.ListAPIView):
    """Time logged on a ticket (agents only), newest first."""

    serializer_class = TimeEntrySerializer
    permission_classes = [IsAgent]
    cursor_ordering = ("-pk",)

    @extend_schema(summary="Time entries of a ticket (agents)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[TimeEntry]:
        ticket = access_ticket(self.request.user, self.kwargs["number"])
        return TimeEntry.objects.filter(ticket=ticket).select_related("agent")
