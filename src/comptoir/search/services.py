"""The one search service: knowledge base articles and tickets, for one user.

Every result is drawn from ``kb.queries.searchable_articles(user)`` and
``tickets.queries.visible_tickets(user)``: the scope is part of the query the
backend runs, and the hits are fetched again through the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from comptoir.kb.models import Article, reader_language
from comptoir.kb.queries import searchable_articles, with_translations
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import visible_tickets

from .backends import GT, LT, MARK_END, MARK_START, Row, get_backend
from .models import Kind, SearchDocument
from .text import MIN_SUGGEST, clean_query, parse

ALL_KINDS: tuple[str, ...] = (Kind.ARTICLE, Kind.TICKET)
MAX_LIMIT = 100


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    language: str
    title: str
    title_html: SafeString
    excerpt_html: SafeString
    score: float
    url: str
    obj: Any


def marked(text: str) -> SafeString:
    """Escape ``text``, then turn the backend's match markers into <mark>."""
    text = (text or "").replace(LT, "<").replace(GT, ">")
    safe = str(escape(text)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(safe)  # escaped just above


def _scope(
    user: Any,
    kinds: Iterable[str],
    article_scope: QuerySet[Article] | None,
    ticket_scope: QuerySet[Ticket] | None,
) -> tuple[str, tuple[object, ...]] | None:
    parts = []
    if Kind.ARTICLE in kinds:
        articles = searchable_articles(user)
        if article_scope is not None:
            articles = articles.filter(pk__in=article_scope.values("pk"))
        parts.append(Q(kind=Kind.ARTICLE, object_id__in=articles.values("pk")))
    if Kind.TICKET in kinds:
        tickets = visible_tickets(user)
        if ticket_scope is not None:
            tickets = tickets.filter(pk__in=ticket_scope.values("pk"))
        parts.append(Q(kind=Kind.TICKET, object_id__in=tickets.values("pk")))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    sql, params = SearchDocument.objects.filter(condition).values("pk").query.sql_with_params()
    return sql, tuple(params)


def _best_rows(rows: list[Row], language: str) -> list[Row]:
    """One row per object: the reader's language when it matched, else the best one."""
    chosen: dict[tuple[str, int], Row] = {}
    order: list[tuple[str, int]] = []
    for row in rows:
        key = (row.kind, row.object_id)
        if key not in chosen:
            chosen[key] = row
            order.append(key)
        elif row.language == language and chosen[key].language != language:
            chosen[key] = row
    return [chosen[key] for key in order]


def _hydrate(user: Any, rows: list[Row], language: str) -> list[Hit]:
    article_ids = [r.object_id for r in rows if r.kind == Kind.ARTICLE]
    ticket_ids = [r.object_id for r in rows if r.kind == Kind.TICKET]
    articles = (
        {a.pk: a for a in with_translations(searchable_articles(user)).filter(pk__in=article_ids)}
        if article_ids
        else {}
    )
    tickets = (
        {t.pk: t for t in visible_tickets(user).select_related("status").filter(pk__in=ticket_ids)}
        if ticket_ids
        else {}
    )
    hits = []
    for row in rows:
        obj: Any
        if row.kind == Kind.ARTICLE:
            obj = articles.get(row.object_id)
            if obj is None:
                continue
            url = reverse("kb:article", kwargs={"slug": obj.slug})
            if row.language != language:
                url += f"?lang={row.language}"
        else:
            obj = tickets.get(row.object_id)
            if obj is None:
                continue
            url = reverse("portal:ticket", kwargs={"number": obj.number})
        hits.append(
            Hit(
                kind=row.kind,
                object_id=row.object_id,
                language=row.language,
                title=row.title,
                title_html=marked(row.title_marked or row.title),
                excerpt_html=marked(row.excerpt_marked),
                score=float(row.score),
                url=url,
                obj=obj,
            )
        )
    return hits


def search(
    *,
    user: Any,
    query: str,
    kinds: Iterable[str] = ALL_KINDS,
    limit: int = 20,
    prefix: bool = False,
    any_word: bool = False,
    excerpts: bool = True,
    titles_only: bool = False,
    article_scope: QuerySet[Article] | None = None,
    ticket_scope: QuerySet[Ticket] | None = None,
) -> list[Hit]:
    """Articles and tickets ``user`` may see that match ``query``, best first.

    ``prefix``: the last word is still being typed (suggestions).
    ``any_word``: a text "like" the query rather than a query (related articles).
    ``titles_only``: match titles only (the suggestions dropdown).
    ``article_scope`` / ``ticket_scope`` narrow (never widen) what is visible.
    Runs a constant number of queries: one search, one per kind to fetch hits.
    """
    kinds = tuple(k for k in kinds if k in ALL_KINDS)
    parsed = parse(query, prefix=prefix)
    if not parsed or not kinds:
        return []
    scope = _scope(user, kinds, article_scope, ticket_scope)
    if scope is None:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    language = reader_language()
    # An article may match in several languages; ask for enough rows to keep ``limit``.
    rows = get_backend().query(
        scope=scope,
        parsed=parsed,
        any_word=any_word,
        limit=limit * 3 if Kind.ARTICLE in kinds else limit,
        excerpts=excerpts,
        titles_only=titles_only,
    )
    return _hydrate(user, _best_rows(rows, language)[:limit], language)


def suggest(*, user: Any, query: str, limit: int = 8) -> list[Hit]:
    """Articles for the search box's dropdown, from the third letter typed."""
    if len(clean_query(query).replace(" ", "")) < MIN_SUGGEST:
        return []
    return search(
        user=user,
        query=query,
        kinds=(Kind.ARTICLE,),
        limit=limit,
        prefix=True,
        excerpts=False,
        titles_only=True,
    )
