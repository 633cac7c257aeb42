"""Every read of the knowledge base that decides who sees what.

``visible_articles`` is the one source of truth: article pages, lists, PDFs,
files, search, suggestions and related articles all start from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import (
    Article,
    ArticleStatus,
    ArticleTranslation,
    KbCategory,
    KbFile,
    Visibility,
    reader_language,
)


def _is_agent(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agent)


def visible_articles(user: Any) -> QuerySet[Article]:
    """Agents see every article (drafts and archives included); signed-in customers
    the published public and customer articles; visitors the published public ones."""
    if _is_agent(user):
        return Article.objects.all()
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    if getattr(user, "is_authenticated", False) and user.is_active:
        return published.filter(visibility__in=[Visibility.PUBLIC, Visibility.CUSTOMERS])
    return published.filter(visibility=Visibility.PUBLIC)


def searchable_articles(user: Any) -> QuerySet[Article]:
    """What search and suggestions may return: never drafts; archives for agents only."""
    return visible_articles(user).filter(
        status__in=[ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED]
    )


def pick_translation(
    translations: Iterable[ArticleTranslation], *, language: str, default: str
) -> ArticleTranslation | None:
    """The reader's language first, then the article's default language, then any."""
    by_language = {t.language: t for t in translations}
    return (
        by_language.get(language)
        or by_language.get(default)
        or next(iter(sorted(by_language.items())), (None, None))[1]
    )


@dataclass(frozen=True)
class ArticleCard:
    article: Article
    translation: ArticleTranslation

    @property
    def title(self) -> str:
        return self.translation.title


def cards(articles: QuerySet[Article] | Sequence[Article], language: str = "") -> list[ArticleCard]:
    """Articles with the translation to show; ``articles`` must prefetch translations."""
    language = language or reader_language()
    result = []
    for article in articles:
        chosen = pick_translation(
            article.translations.all(), language=language, default=article.default_language
        )
        if chosen is not None:
            result.append(ArticleCard(article, chosen))
    return result


def with_translations(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.select_related("category").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
    )


def access_article(user: Any, slug: str) -> Article:
    """The article ``slug`` if ``user`` may read it, else 404."""
    article = (
        with_translations(visible_articles(user))
        .select_related("author")
        .prefetch_related("products", "themes", "files")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise Http404
    return article


def categories_with_counts(user: Any) -> list[KbCategory]:
    """Active categories, each with ``article_count`` of what ``user`` may read: one query."""
    readable = searchable_articles(user).filter(status=ArticleStatus.PUBLISHED)
    return list(
        KbCategory.objects.filter(active=True).annotate(
            article_count=Count("articles", filter=Q(articles__in=readable.values("pk")))
        )
    )


def category_articles(user: Any, category: KbCategory) -> QuerySet[Article]:
    return with_translations(
        visible_articles(user).filter(category=category, status=ArticleStatus.PUBLISHED)
    ).order_by("-view_count", "-updated_at")


def popular_articles(user: Any, *, limit: int = 6) -> QuerySet[Article]:
    return with_translations(
        visible_articles(user).filter(status=ArticleStatus.PUBLISHED)
    ).order_by("-view_count", "-updated_at")[:limit]


def related_articles(user: Any, article: Article, *, limit: int = 5) -> list[Article]:
    """Chosen related articles first, then those sharing themes, products or category."""
    readable = with_translations(
        visible_articles(user).filter(status=ArticleStatus.PUBLISHED).exclude(pk=article.pk)
    )
    chosen = list(readable.filter(pk__in=article.related.values("pk"))[:limit])
    if len(chosen) >= limit:
        return chosen
    shared = (
        Q(themes__in=article.themes.values("pk"))
        | Q(products__in=article.products.values("pk"))
        | Q(category_id=article.category_id)
    )
    more = (
        readable.filter(shared)
        .exclude(pk__in=[a.pk for a in chosen])
        .annotate(
            shared_tags=Count("themes", filter=Q(themes__in=article.themes.values("pk")))
            + Count("products", filter=Q(products__in=article.products.values("pk")))
        )
        .order_by("-shared_tags", "-view_count")
        .distinct()[: limit - len(chosen)]
    )
    return chosen + list(more)


def access_kb_file(user: Any, key: str) -> KbFile:
    """A file of an article ``user`` may read; drafts uploads only for agents."""
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError:
        raise Http404 from None
    allowed = Q(article__in=visible_articles(user).values("pk"))
    if _is_agent(user):
        allowed |= Q(article__isnull=True)
    found = KbFile.objects.filter(allowed, key=key).first()
    if found is None:
        raise Http404
    return found
