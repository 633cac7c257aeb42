"""People, organisations and groups as the API shows them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comptoir.accounts.models import Organisation, SupportGroup, User

from .common import NamedSerializer


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    is_agent = serializers.BooleanField()
    organisations = NamedSerializer(many=True, source="organisations.all")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "first_name",
            "last_name",
            "role",
            "is_agent",
            "language",
            "time_zone",
            "organisations",
        ]


class ContactSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    organisations = NamedSerializer(many=True, source="organisations.all")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "first_name",
            "last_name",
            "phone",
            "language",
            "is_active",
            "organisations",
            "date_joined",
        ]


class AgentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    groups = NamedSerializer(many=True, source="support_groups.all")

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "groups"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "created_at"]


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class GroupSerializer(serializers.ModelSerializer):
    agents = AgentRefSerializer(many=True, source="agents.all", help_text=_("Agents in the group."))

    class Meta:
        model = SupportGroup
        fields = ["id", "name", "agents"]
