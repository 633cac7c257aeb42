"""Knowledge base test data, written through the services like an agent would."""

from __future__ import annotations

from comptoir.kb import services
from comptoir.kb.models import ArticleStatus, KbCategory, Visibility
from tests.factories import AgentFactory


def category(slug: str = "troubleshooting") -> KbCategory:
    return KbCategory.objects.get(slug=slug)


def make_article(
    title: str = "Exporter la liste des dossiers",
    body: str = "<p>Cliquez sur le bouton Exporter.</p>",
    *,
    author=None,
    language: str = "fr",
    status: str = ArticleStatus.PUBLISHED,
    visibility: str = Visibility.PUBLIC,
    cat: str = "troubleshooting",
    translations: dict[str, tuple[str, str]] | None = None,
    **kwargs,
):
    author = author or AgentFactory()
    article = services.article_create(
        author=author,
        category=category(cat),
        language=language,
        title=title,
        body_html=body,
        status=status,
        visibility=visibility,
        **kwargs,
    )
    for lang, (t_title, t_body) in (translations or {}).items():
        services.article_translation_save(
            article=article, actor=author, language=lang, title=t_title, body_html=t_body
        )
    article.refresh_from_db()
    return article
