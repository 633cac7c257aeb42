"""The one search service: knowledge base articles and tickets, for one user.

Every result is drawn from ``kb.queries.searchable_articles(user)`` and
``tickets.queries.visible_tickets(user)``: the scope is part of the query the
backend runs, and the hits are fetched again through the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from comptoir.kb.models import Article, KbCategory, reader_language
from comptoir.kb.queries import searchable_articles, with_translations
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import sees_all_tickets, visible_tickets

from .backends import GT, LT, MARK_END, MARK_START, Row, Scope, get_backend
from .models import Kind, SearchDocument
from .text import MIN_SUGGEST, WORD, clean_query, fold, parse

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


# A scope with at most this many tickets (a customer's) is passed as a list of
# ids: the search starts from them instead of from every match.
FEW_TICKETS = 5_000


def _sql(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[object, ...]] | None:
    try:
        # A scope is a set: the models' default ordering would only sort it.
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def _scopes(
    user: Any,
    kinds: Iterable[str],
    article_scope: QuerySet[Article] | None,
    ticket_scope: QuerySet[Ticket] | None,
) -> list[Scope]:
    scopes = []
    if Kind.ARTICLE in kinds:
        articles = searchable_articles(user)
        if article_scope is not None:
            articles = articles.filter(pk__in=article_scope.values("pk"))
        ids = _sql(articles.values("pk"))
        if ids is not None:
            scopes.append(Scope(kind=Kind.ARTICLE, ids=ids))
    if Kind.TICKET in kinds and getattr(user, "is_authenticated", False):
        if sees_all_tickets(user):
            # Every ticket is visible: no scope to join, unless the caller narrows it.
            ids = None if ticket_scope is None else _sql(ticket_scope.values("pk"))
            if ticket_scope is None or ids is not None:
                scopes.append(Scope(kind=Kind.TICKET, ids=ids))
        else:
            tickets = visible_tickets(user)
            if ticket_scope is not None:
                tickets = tickets.filter(pk__in=ticket_scope.values("pk"))
            ids = _sql(tickets.values("pk"))
            if ids is not None:
                few = None
                if not user.is_agent:
                    found = list(tickets.order_by().values_list("pk", flat=True)[: FEW_TICKETS + 1])
                    few = found if len(found) <= FEW_TICKETS else None
                if few != []:
                    scopes.append(Scope(kind=Kind.TICKET, ids=ids, id_list=few))
    return scopes


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
    # Agents work on tickets in the desk; customers in the portal.
    ticket_page = "desk:ticket" if getattr(user, "is_agent", False) else "portal:ticket"
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
            url = reverse(ticket_page, kwargs={"number": obj.number})
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


@dataclass(frozen=True)
class Page:
    """The best hits of one kind, and how many objects matched in all."""

    hits: list[Hit]
    total: int
    # More than ``total`` matched: the count stopped there.
    capped: bool


def search_kinds(
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
) -> dict[str, Page]:
    """Per kind, the ``limit`` best articles or tickets ``user`` may see that
    match ``query``, and how many matched (capped: see ``backends.CANDIDATES``).

    ``prefix``: the last word is still being typed.
    ``any_word``: a text "like" the query rather than a query (related articles).
    ``titles_only``: match titles only.
    ``article_scope`` / ``ticket_scope`` narrow (never widen) what is visible.
    One search query per kind (plus, for a customer, their ticket ids; and for
    articles when nothing matched, one allowing typos), one per kind to fetch
    the hits. On PostgreSQL a query text seen for the first time by the process
    costs one more (its tsqueries), and one more again for an agent's search
    of tickets (how common its words are), and so does, every few minutes, finding
    where the recency windows start (``backends.postgres``).
    """
    wanted = tuple(kinds)
    parsed = parse(query, prefix=prefix)
    if not parsed:
        return {}
    limit = max(1, min(limit, MAX_LIMIT))
    language = reader_language()
    backend = get_backend()
    pages = {}
    for scope in _scopes(user, [k for k in ALL_KINDS if k in wanted], article_scope, ticket_scope):
        run = partial(
            backend.query,
            scope=scope,
            parsed=parsed,
            any_word=any_word,
            limit=limit,
            excerpts=excerpts,
            titles_only=titles_only,
            language=language,
        )
        result = run()
        if not result.rows and scope.kind == Kind.ARTICLE and not any_word:
            # Nothing matched as typed: perhaps a typo in an article title.
            result = run(typos=True)
        hits = _hydrate(user, result.rows, language)
        pages[scope.kind] = Page(hits=hits, total=result.total, capped=result.capped)
    return pages


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
    """Articles and tickets ``user`` may see that match ``query``, best first
    (the options are those of ``search_kinds``)."""
    pages = search_kinds(
        user=user,
        query=query,
        kinds=kinds,
        limit=limit,
        prefix=prefix,
        any_word=any_word,
        excerpts=excerpts,
        titles_only=titles_only,
        article_scope=article_scope,
        ticket_scope=ticket_scope,
    )
    hits = [hit for page in pages.values() for hit in page.hits]
    hits.sort(key=lambda hit: -hit.score)
    return hits[: max(1, min(limit, MAX_LIMIT))]


@dataclass(frozen=True)
class Suggestion:
    title: str
    title_html: SafeString
    url: str
    category_label: str


def _mark_prefixes(title: str, words: list[str]) -> SafeString:
    """``title`` escaped, each word starting like one of ``words`` marked."""
    wanted = tuple(fold(w) for w in words)
    out, last = [], 0
    for match in WORD.finditer(title):
        if fold(match.group()).startswith(wanted):
            out += [str(escape(title[last : match.start()])), "<mark>"]
            out += [str(escape(match.group())), "</mark>"]
            last = match.end()
    out.append(str(escape(title[last:])))
    return mark_safe("".join(out))  # every piece escaped


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def suggest(*, user: Any, query: str, limit: int = 8) -> list[Suggestion]:
    """Articles for the search box's dropdown, from the third letter typed.

    Titles only, the last word as a prefix: one query on the index of article
    titles (see ``backends``), joined to the article and its category for the
    link and the label; titles starting with the first word come first.
    """
    if len(clean_query(query).replace(" ", "")) < MIN_SUGGEST:
        return []
    parsed = parse(query, prefix=True)
    scope = _sql(searchable_articles(user).values("pk"))
    if not parsed or scope is None:
        return []
    language = reader_language()
    condition, params = get_backend().title_match(parsed)
    document, article = SearchDocument._meta.db_table, Article._meta.db_table
    category = KbCategory._meta.db_table
    # The title matches first, through their own index (a CTE the planner keeps
    # as is): joined at once, it would rather walk every article's document.
    # Then the visible ones, in order, and only those shown get their article
    # and category (a 3-letter prefix matches hundreds of titles).
    order = "d.first_word, d.boost DESC, length(d.title), d.object_id, d.language"
    sql = f"""
        WITH d AS MATERIALIZED (
            SELECT d.object_id, d.language, d.title, d.boost,
                   CASE WHEN d.title_plain LIKE %s ESCAPE '\\' THEN 0 ELSE 1 END AS first_word
            FROM {document} d WHERE d.kind = 'article' AND {condition}
        ),
        shown AS (
            SELECT d.* FROM d WHERE d.object_id IN ({scope[0]}) ORDER BY {order} LIMIT %s
        )
        SELECT d.object_id, d.language, d.title, a.slug, c.label_fr, c.label_en, c.label_es
        FROM shown d
        JOIN {article} a ON a.id = d.object_id
        JOIN {category} c ON c.id = a.category_id
        ORDER BY {order}
    """
    first = _like_prefix(fold(parsed.words[0]))
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, *params, *scope[1], limit * 3])  # type: ignore[list-item]
        found = cursor.fetchall()
    chosen: dict[int, tuple[Any, ...]] = {}
    for row in found:
        if row[0] not in chosen or (row[1] == language and chosen[row[0]][1] != language):
            chosen[row[0]] = row
    suggestions = []
    for _pk, row_language, title, slug, label_fr, label_en, label_es in list(chosen.values())[
        :limit
    ]:
        url = reverse("kb:article", kwargs={"slug": slug})
        if row_language != language:
            url += f"?lang={row_language}"
        label = KbCategory(label_fr=label_fr, label_en=label_en, label_es=label_es).label
        title_html = _mark_prefixes(title, parsed.words)
        suggestions.append(Suggestion(title, title_html, url, label))
    return suggestions
