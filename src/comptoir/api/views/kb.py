"""The knowledge base through the API: read by everyone as far as
``kb.queries.visible_articles`` allows, written by agents through ``kb.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.kb import queries, services
from comptoir.kb.models import Article, ArticleStatus, KbCategory, reader_language
from comptoir.tickets.models import Product, Theme, TicketType

from ..idempotency import idempotent
from ..serializers.kb import (
    LANGUAGES,
    ArticleCreateSerializer,
    ArticleSerializer,
    ArticleUpdateSerializer,
    CategorySerializer,
    TranslationInputSerializer,
    TranslationSerializer,
)
from . import references as ref
from .base import ApiViewMixin, IsAgent

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)
LANGUAGE = OpenApiParameter(
    "language", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[c for c, _l in LANGUAGES]
)


class ArticleFilterSerializer(serializers.Serializer):
    category = serializers.SlugField(required=False)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)


class CategoryViewSet(ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = CategorySerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    @extend_schema(summary="List knowledge base categories")
    def list(self, request: Request) -> Response:
        categories = queries.categories_with_counts(request.user)
        return Response(CategorySerializer(categories, many=True).data)


def _category(slug: str) -> KbCategory:
    found = KbCategory.objects.filter(slug=slug, active=True).first()
    if found is None:
        raise ValidationError({"category": [_("There is no such category.")]})
    return found


def _ticket_types(slugs: list[str]) -> list[TicketType]:
    found = list(TicketType.objects.filter(slug__in=set(slugs), active=True))
    if len(found) != len(set(slugs)):
        raise ValidationError({"ticket_types": [_("Some of these codes are unknown.")]})
    return found


@extend_schema_view(
    list=extend_schema(parameters=[ArticleFilterSerializer], summary="List articles"),
    retrieve=extend_schema(parameters=[SLUG], summary="Get an article"),
)
class ArticleViewSet(ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = ArticleSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]{1,120}"
    cursor_ordering = ("-updated_at", "-pk")

    def get_permissions(self) -> list[Any]:
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [IsAgent()]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "language": reader_language()}

    def get_queryset(self) -> QuerySet[Article]:
        articles = queries.with_translations(queries.visible_articles(self.request.user))
        return articles.select_related("author").prefetch_related(
            "products", "themes", "ticket_types"
        )

    def _show(self, article: Article, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=article.pk)).data, status=code
        )

    def list(self, request: Request) -> Response:
        params = ArticleFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        articles = self.get_queryset()
        if "category" in params.validated_data:
            articles = articles.filter(category__slug=params.validated_data["category"])
        if "status" in params.validated_data:
            articles = articles.filter(status=params.validated_data["status"])
        page = self.paginate_queryset(articles)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, slug: str) -> Response:
        return self._show(queries.access_article(request.user, slug))

    @extend_schema(
        request=ArticleCreateSerializer,
        responses={201: ArticleSerializer},
        summary="Write an article (agents)",
    )
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        form = ArticleCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        article = services.article_create(
            author=request.user,
            category=_category(data["category"]),
            language=data["language"],
            title=data["title"],
            body_html=data["body"],
            summary=data["summary"],
            status=data["status"],
            visibility=data["visibility"],
            slug=data["slug"],
            default_language=data["default_language"],
            products=ref.many_active(Product, data["products"], "products"),
            themes=ref.many_active(Theme, data["themes"], "themes"),
            ticket_types=_ticket_types(data["ticket_types"]),
        )
        return self._show(article, status.HTTP_201_CREATED)

    @extend_schema(
        request=ArticleUpdateSerializer, parameters=[SLUG], summary="Change an article (agents)"
    )
    def partial_update(self, request: Request, slug: str) -> Response:
        article = queries.access_article(request.user, slug)
        form = ArticleUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "category" in data:
            data["category"] = _category(data["category"])
        for name, model in (("products", Product), ("themes", Theme)):
            if name in data:
                data[name] = ref.many_active(model, data[name], name)
        if "ticket_types" in data:
            data["ticket_types"] = _ticket_types(data["ticket_types"])
        if "related" in data:
            data["related"] = list(
                queries.visible_articles(request.user)
                .filter(slug__in=data["related"])
                .exclude(pk=article.pk)
            )
        article = services.article_update(article=article, actor=request.user, **data)
        return self._show(article)

    @extend_schema(
        request=TranslationInputSerializer,
        responses={200: TranslationSerializer},
        parameters=[SLUG, LANGUAGE],
        summary="Write an article's text in one language (agents)",
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"translations/(?P<language>[a-z]{2})",
        url_name="translation",
    )
    def translation(self, request: Request, slug: str, language: str) -> Response:
        if language not in dict(LANGUAGES):
            raise ValidationError({"language": [_("This language is not offered.")]})
        article = queries.access_article(request.user, slug)
        form = TranslationInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        saved = services.article_translation_save(
            article=article,
            actor=request.user,
            language=language,
            title=form.validated_data["title"],
            body_html=form.validated_data["body"],
            summary=form.validated_data["summary"],
        )
        return Response(TranslationSerializer(saved).data)
