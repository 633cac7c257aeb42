"""One search over the knowledge base and tickets: ``search.services.search``,
which only ever returns what the caller may see."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, views
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.search.models import Kind
from comptoir.search.services import ALL_KINDS, MAX_LIMIT, search

from .base import ApiViewMixin


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text=_("The words searched for."))
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=[(k, k) for k in ALL_KINDS]),
        required=False,
        max_length=2,
        help_text=_("article, ticket, or both (the default)."),
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=20)


class HitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k) for k in ALL_KINDS])
    id = serializers.IntegerField(source="object_id")
    reference = serializers.CharField(
        help_text=_("The article's address (slug) or the ticket's number.")
    )
    language = serializers.CharField()
    title = serializers.CharField()
    excerpt_html = serializers.CharField(help_text=_("Matches are wrapped in <mark>."))
    score = serializers.FloatField()
    url = serializers.CharField()


class SearchResultSerializer(serializers.Serializer):
    results = HitSerializer(many=True)


class SearchView(ApiViewMixin, views.APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses={200: SearchResultSerializer},
        summary="Search articles and tickets",
    )
    def get(self, request: Request) -> Response:
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        kinds = params.validated_data.get("kind") or list(ALL_KINDS)
        if not request.user.is_authenticated:
            kinds = [k for k in kinds if k == Kind.ARTICLE]
        hits = search(
            user=request.user,
            query=params.validated_data["q"],
            kinds=kinds,
            limit=params.validated_data["limit"],
        )
        results: list[dict[str, Any]] = [
            {
                "kind": hit.kind,
                "object_id": hit.object_id,
                "reference": str(hit.obj.number if hit.kind == Kind.TICKET else hit.obj.slug),
                "language": hit.language,
                "title": hit.title,
                "excerpt_html": str(hit.excerpt_html),
                "score": hit.score,
                "url": hit.url,
            }
            for hit in hits
        ]
        return Response(SearchResultSerializer({"results": results}).data)
