"""Keeping the search index in step with what it indexes.

Called by the services that write articles and tickets, inside their
transaction, so the index never disagrees with a committed change.
"""

from __future__ import annotations

from django.db import transaction

from .backends import get_backend
from .models import Kind, SearchDocument
from .text import fold

# A ticket with hundreds of messages stays searchable without a huge row.
MAX_BODY = 100_000


def _store(kind: str, object_id: int, docs: dict[str, dict[str, object]]) -> None:
    """Make the documents of one object exactly ``docs`` (language -> fields)."""
    backend = get_backend()
    existing = SearchDocument.objects.filter(kind=kind, object_id=object_id)
    stale = list(existing.exclude(language__in=list(docs)).values_list("pk", flat=True))
    if stale:
        backend.remove(stale)
        SearchDocument.objects.filter(pk__in=stale).delete()
    ids = []
    for language, fields in docs.items():
        doc, _created = SearchDocument.objects.update_or_create(
            kind=kind, object_id=object_id, language=language, defaults=fields
        )
        ids.append(doc.pk)
    backend.sync(ids)


def _fields(title: str, body: str, updated_at: object, boost: float = 0.0) -> dict[str, object]:
    title = " ".join(title.split())[:250]
    return {
        "title": title,
        "title_plain": fold(title)[:250],
        "body": body[:MAX_BODY],
        "updated_at": updated_at,
        "boost": boost,
    }


def helpful_boost(yes: int, no: int) -> float:
    """At most +/-0.1, and only once a few people have voted."""
    return 0.1 * (yes - no) / (yes + no + 5)


@transaction.atomic
def index_article(*, article_id: int) -> None:
    from comptoir.kb.models import Article

    article = Article.objects.filter(pk=article_id).prefetch_related("translations").first()
    if article is None:
        remove(kind=Kind.ARTICLE, object_id=article_id)
        return
    boost = helpful_boost(article.helpful_yes, article.helpful_no)
    docs = {
        t.language: _fields(t.title, f"{t.summary}\n{t.body_text}", article.updated_at, boost)
        for t in article.translations.all()
    }
    _store(Kind.ARTICLE, article.pk, docs)


def article_boost_update(*, article_id: int, yes: int, no: int) -> None:
    """Votes change the ranking, not the text: no need to rewrite the document."""
    SearchDocument.objects.filter(kind=Kind.ARTICLE, object_id=article_id).update(
        boost=helpful_boost(yes, no)
    )


@transaction.atomic
def index_ticket(*, ticket_id: int) -> None:
    """Subject and public messages only: internal notes never reach search."""
    from comptoir.tickets.models import Message, Ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        remove(kind=Kind.TICKET, object_id=ticket_id)
        return
    texts = Message.objects.filter(ticket=ticket, internal=False).values_list(
        "body_text", flat=True
    )
    body = "\n".join(texts)
    language = (ticket.language or "fr")[:2]
    _store(Kind.TICKET, ticket.pk, {language: _fields(ticket.subject, body, ticket.updated_at)})


def remove(*, kind: str, object_id: int) -> None:
    ids = list(
        SearchDocument.objects.filter(kind=kind, object_id=object_id).values_list("pk", flat=True)
    )
    get_backend().remove(ids)
    SearchDocument.objects.filter(pk__in=ids).delete()


def reindex_all(*, batch: int = 500) -> int:
    """Rebuild every document (after an import, or on a database migrated from elsewhere)."""
    from comptoir.kb.models import Article
    from comptoir.tickets.models import Ticket

    count = 0
    for model, index in ((Article, index_article), (Ticket, index_ticket)):
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                for pk in ids[start : start + batch]:
                    index(**{f"{model._meta.model_name}_id": pk})
                    count += 1
    return count
