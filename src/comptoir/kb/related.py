"""What the new-ticket form suggests while the customer writes (seed 000 (1), seed 001).

Articles like the ticket being written, and the requester's own open tickets
that look like it ("you already have #123 about this").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Value

from comptoir.search.services import Hit, search
from comptoir.search.text import fold, significant_words
from comptoir.tickets.models import Category
from comptoir.tickets.queries import visible_tickets

from .models import ArticleStatus
from .queries import ArticleCard, cards, searchable_articles, with_translations

MAX_ARTICLES = 5
MAX_TICKETS = 3
# Categories in which a ticket still expects something: a duplicate would split it.
OPEN_CATEGORIES = (
    Category.NEW,
    Category.OPEN,
    Category.PENDING_INTERNAL,
    Category.PENDING_CUSTOMER,
)


@dataclass
class RelatedForTicket:
    articles: list[ArticleCard] = field(default_factory=list)
    tickets: list[Hit] = field(default_factory=list)
    asked: bool = False


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()][:50]


def _stem(word: str) -> str:
    # Five folded letters: "factures" and "facturation" count as the same word.
    return fold(word)[:5]


def related_for_ticket_form(
    *,
    user: Any,
    subject: str,
    description: str,
    product_ids: list[str],
    theme_ids: list[str],
    type_id: str,
) -> RelatedForTicket:
    """At most five articles and three of the requester's own open tickets.

    Text decides first; articles tagged with the chosen products, themes or
    type move up, and alone they are enough when nothing is typed yet.
    """
    words = significant_words(f"{subject} {subject} {description[:5000]}", limit=16)
    products, themes = _ids(product_ids), _ids(theme_ids)
    types = _ids([type_id])
    result = RelatedForTicket(asked=bool(words or products or themes))
    if not result.asked:
        return result
    scores: dict[int, float] = {}
    if words:
        hits = search(
            user=user, query=" ".join(words), kinds=["article"], any_word=True, limit=15,
            excerpts=False,
        )  # fmt: skip
        for position, hit in enumerate(hits):
            scores[hit.object_id] = 1.0 / (1 + position)
    tagged = _tagged(user, products=products, themes=themes, types=types)
    for pk, shared in tagged:
        if words and pk not in scores:
            continue  # with words typed, tags only reorder what the text found
        scores[pk] = scores.get(pk, 0.0) + 0.6 * shared
    best = sorted(scores, key=lambda pk: -scores[pk])[:MAX_ARTICLES]
    articles = {
        a.pk: a
        for a in with_translations(
            searchable_articles(user).filter(status=ArticleStatus.PUBLISHED)
        ).filter(pk__in=best)
    }
    result.articles = cards([articles[pk] for pk in best if pk in articles])
    if words:
        result.tickets = _similar_open_tickets(user, words)
    return result


def _tagged(
    user: Any, *, products: list[int], themes: list[int], types: list[int]
) -> list[tuple[int, int]]:
    """Published articles sharing the chosen tags, with how many they share."""
    wanted = [
        (name, ids)
        for name, ids in (("products", products), ("themes", themes), ("ticket_types", types))
        if ids
    ]
    if not wanted:
        return []
    match = Q()
    shared: Any = Value(0)
    for name, ids in wanted:
        match |= Q(**{f"{name}__in": ids})
        shared += Count(name, filter=Q(**{f"{name}__in": ids}), distinct=True)
    return list(
        searchable_articles(user)
        .filter(status=ArticleStatus.PUBLISHED)
        .filter(match)
        .annotate(shared=shared)
        .order_by("-shared", "-view_count")
        .values_list("pk", "shared")[:30]
    )


def _similar_open_tickets(user: Any, words: list[str]) -> list[Hit]:
    mine = visible_tickets(user).filter(requester=user, category__in=OPEN_CATEGORIES)
    hits = search(
        user=user, query=" ".join(words), kinds=["ticket"], any_word=True, limit=10,
        ticket_scope=mine,
    )  # fmt: skip
    wanted = {_stem(w) for w in words}
    # One shared word is a coincidence; two (or all of a one-word subject) a likeness.
    needed = min(2, len(wanted))
    similar = []
    for hit in hits:
        found = {_stem(w) for w in significant_words(f"{hit.title} {hit.excerpt_html}")}
        if len(wanted & found) >= needed:
            similar.append(hit)
    return similar[:MAX_TICKETS]
