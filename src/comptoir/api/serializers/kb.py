"""Knowledge base categories and articles as the API shows them, and the shapes
of the requests agents send to write them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comptoir.kb.models import (
    LANGUAGE_CHOICES,
    Article,
    ArticleStatus,
    ArticleTranslation,
    KbCategory,
    Visibility,
)
from comptoir.kb.queries import pick_translation

from .common import MAX_HTML, NamedSerializer, PersonSerializer, id_field

LANGUAGES = LANGUAGE_CHOICES


class CategorySerializer(serializers.ModelSerializer):
    label = serializers.CharField()
    description = serializers.CharField()
    article_count = serializers.IntegerField(help_text=_("Published articles the caller may read."))

    class Meta:
        model = KbCategory
        fields = ["slug", "icon", "label", "description", "order", "article_count"]


class TranslationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleTranslation
        fields = ["language", "title", "summary", "body_html", "updated_at"]


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.SlugField(source="category.slug")
    title = serializers.SerializerMethodField()
    translations = TranslationSerializer(many=True, source="translations.all")
    products = NamedSerializer(many=True, source="products.all")
    themes = NamedSerializer(many=True, source="themes.all")
    ticket_types = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    author = PersonSerializer()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "category",
            "status",
            "visibility",
            "default_language",
            "title",
            "translations",
            "products",
            "themes",
            "ticket_types",
            "author",
            "created_at",
            "updated_at",
            "published_at",
            "view_count",
            "helpful_yes",
            "helpful_no",
            "url",
        ]

    def get_title(self, obj: Article) -> str:
        """In the caller's language, else the article's default language."""
        chosen = pick_translation(
            obj.translations.all(),
            language=self.context.get("language", "en"),
            default=obj.default_language,
        )
        return chosen.title if chosen else obj.slug

    def get_url(self, obj: Article) -> str:
        return reverse("kb:article", kwargs={"slug": obj.slug})


def _choices(enum: Any) -> list[tuple[str, str]]:
    return list(enum.choices)


class ArticleCreateSerializer(serializers.Serializer):
    category = serializers.SlugField()
    language = serializers.ChoiceField(choices=LANGUAGES)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=MAX_HTML, trim_whitespace=False)
    summary = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(choices=_choices(ArticleStatus), default=ArticleStatus.DRAFT)
    visibility = serializers.ChoiceField(choices=_choices(Visibility), default=Visibility.CUSTOMERS)
    slug = serializers.SlugField(max_length=100, required=False, default="", allow_blank=True)
    default_language = serializers.ChoiceField(
        choices=LANGUAGES, required=False, default="", allow_blank=True
    )
    products = serializers.ListField(child=id_field(), max_length=50, default=list)
    themes = serializers.ListField(child=id_field(), max_length=50, default=list)
    ticket_types = serializers.ListField(
        child=serializers.SlugField(max_length=50), max_length=50, default=list
    )


class ArticleUpdateSerializer(serializers.Serializer):
    category = serializers.SlugField(required=False)
    status = serializers.ChoiceField(choices=_choices(ArticleStatus), required=False)
    visibility = serializers.ChoiceField(choices=_choices(Visibility), required=False)
    default_language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    slug = serializers.SlugField(max_length=100, required=False)
    products = serializers.ListField(child=id_field(), max_length=50, required=False)
    themes = serializers.ListField(child=id_field(), max_length=50, required=False)
    ticket_types = serializers.ListField(
        child=serializers.SlugField(max_length=50), max_length=50, required=False
    )
    related = serializers.ListField(
        child=serializers.SlugField(max_length=120), max_length=50, required=False
    )


class TranslationInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=MAX_HTML, trim_whitespace=False)
    summary = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
