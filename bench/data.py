"""Bench data on top of ``seed_demo --tickets N``: knowledge base articles, the
search index, SLA rows with 1 % due, logged-in sessions, a customer with about
200 tickets and a ticket with 20 messages. Idempotent: a second run only does
what is missing, so the million-ticket database is prepared once.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from comptoir.accounts.models import Role, User
from comptoir.tickets.models import Message, Ticket

NO_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
KB_ARTICLES = 5_000


def article_count(tickets: int) -> int:
    """5,000 articles for a million tickets; fewer for a quick run."""
    return min(KB_ARTICLES, max(200, tickets // 200))


DUE_SHARE = 0.01
SEED = 42


def log(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def timed(label: str) -> Any:
    class _Timer:
        def __enter__(self) -> None:
            self.started = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            log(f"{label}: {time.perf_counter() - self.started:.1f} s")

    return _Timer()


def ensure_tickets(count: int) -> int:
    have = Ticket.objects.count()
    if have < count:
        with timed(f"seed_demo --tickets {count - have:,}"):
            call_command("seed_demo", tickets=count - have, seed=SEED, verbosity=1)
    return max(have, count)


def ensure_articles(count: int = KB_ARTICLES) -> int:
    """The 13 demo articles, then variants of them up to ``count`` (bulk inserted)."""
    from comptoir.kb.demo import seed_articles
    from comptoir.kb.models import Article, ArticleStatus, ArticleTranslation
    from comptoir.tickets.models import Theme

    with override_settings(TASKS=NO_TASKS):
        seed_articles()
    have = Article.objects.count()
    if have >= count:
        return have
    rng = random.Random(SEED)
    bases = list(Article.objects.prefetch_related("translations").order_by("pk")[:13])
    topics = list(Theme.objects.values_list("name", flat=True)) or ["module"]
    now = timezone.now()
    articles, texts = [], []
    for i in range(have, count):
        base = bases[i % len(bases)]
        topic = topics[rng.randrange(len(topics))]
        at = now - timedelta(days=rng.randrange(1, 1_000))
        articles.append(
            Article(
                slug=f"{base.slug[:90]}-{i}",
                category_id=base.category_id,
                status=ArticleStatus.PUBLISHED if rng.random() < 0.9 else ArticleStatus.DRAFT,
                visibility=base.visibility,
                default_language=base.default_language,
                author_id=base.author_id,
                created_at=at,
                updated_at=at,
                published_at=at,
            )
        )
        texts.append((base, topic, at))
    with transaction.atomic():
        Article.objects.bulk_create(articles, batch_size=1_000)
        made = {a.slug: a.pk for a in Article.objects.filter(slug__in=[a.slug for a in articles])}
        rows = [
            ArticleTranslation(
                article_id=made[article.slug],
                language=t.language,
                title=f"{t.title} ({topic})"[:200],
                summary=t.summary,
                body_html=t.body_html,
                body_text=t.body_text,
                updated_at=at,
            )
            for article, (base, topic, at) in zip(articles, texts, strict=True)
            for t in base.translations.all()
        ]
        ArticleTranslation.objects.bulk_create(rows, batch_size=1_000)
    return count


def reindex(tickets_expected: int) -> None:
    """Fill the search index for whatever is not indexed yet."""
    from comptoir.kb.models import Article
    from comptoir.search.models import SearchDocument

    from .search_bulk import bulk_index_articles, bulk_index_tickets

    indexed = SearchDocument.objects.filter(kind="article").values("object_id").distinct().count()
    if indexed < Article.objects.count():
        with timed("search index: articles"):
            bulk_index_articles()
    indexed = SearchDocument.objects.filter(kind="ticket").count()
    if indexed < tickets_expected:
        with timed(f"search index: {tickets_expected - indexed:,} tickets"):
            bulk_index_tickets()


def ensure_sla_rows(share: float = DUE_SHARE) -> dict[str, int]:
    """One TicketSla row per ticket; the automations' "resolved for 3 business
    days -> closed" rule finds ``share`` of all tickets due, the others recent."""
    from .sla_bulk import prepare_sweep

    with timed("SLA rows"):
        return prepare_sweep(share)


def bench_people() -> dict[str, Any]:
    """The customer with the number of tickets nearest 200, an agent, an admin."""
    counts = (
        Ticket.objects.values("requester_id")
        .annotate(n=Count("id"))
        .filter(n__gte=150, n__lte=260)
        .order_by("requester_id")[:50]
    )
    candidates = sorted(counts, key=lambda row: (abs(row["n"] - 200), row["requester_id"]))
    if candidates:
        customer = User.objects.get(pk=candidates[0]["requester_id"])
    else:  # a small data set: the customer with the most tickets
        top = Ticket.objects.values("requester_id").annotate(n=Count("id")).order_by("-n")[0]
        customer = User.objects.get(pk=top["requester_id"])
    agent = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .exclude(email__endswith=".invalid")
        .order_by("pk")
        .first()
    )
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create_user(
            "bench-admin@comptoir.localhost", "bench-password-1", role=Role.ADMIN
        )
    return {"customer": customer, "agent": agent, "admin": admin}


def session_cookie(user: User) -> str:
    """A logged-in session created directly, as ``login()`` would store it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(86_400)
    store.save()
    return f"sessionid={store.session_key}"


def long_ticket(customer: User, agent: User, messages: int = 20) -> Ticket:
    """One of the customer's tickets grown to ``messages`` messages through the services."""
    from comptoir.tickets.services import ticket_reply

    pk = (
        Ticket.objects.filter(requester=customer)
        .annotate(n=Count("messages"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    assert pk is not None
    have = Message.objects.filter(ticket_id=pk).count()
    with override_settings(TASKS=NO_TASKS):
        for i in range(have, messages):
            author = customer if i % 2 == 0 else agent
            ticket_reply(
                ticket=Ticket.objects.get(pk=pk),
                author=author,
                body_html=f"<p>Message {i + 1} : suite de l'échange, merci pour votre retour.</p>",
            )
    return Ticket.objects.get(pk=pk)


def search_word(sample: int = 3_000) -> tuple[str, float]:
    """A word found in about 1 % of the tickets, the same on every run.

    Candidates come from the words of an evenly spaced sample of tickets; on
    PostgreSQL each is then checked against the search index itself, since
    stemming makes a word find its whole family ("facture" is in 0.7 % of the
    sampled texts, but its stem "factur" is in 85 % of the tickets)."""
    from django.db import connection
    from django.db.models import Max, Min

    from comptoir.search.text import fold

    bounds = Ticket.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    low, high = bounds["lo"] or 0, bounds["hi"] or 0
    step = max(1, (high - low) // sample)
    ids = list(range(low, high + 1, step))[:sample]
    docs: dict[int, set[str]] = {}
    for ticket_id, text in Message.objects.filter(ticket_id__in=ids, internal=False).values_list(
        "ticket_id", "body_text"
    ):
        docs.setdefault(ticket_id, set()).update(
            w for w in fold(text).replace("'", " ").split() if w.isalpha() and len(w) >= 6
        )
    frequency: dict[str, int] = {}
    for words in docs.values():
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    total = max(1, len(docs))
    candidates = sorted(frequency, key=lambda w: (abs(frequency[w] / total - 0.01), w))
    if not candidates:
        return "facture", 0.0
    if connection.vendor != "postgresql":
        return candidates[0], frequency[candidates[0]] / total
    from comptoir.search.backends.postgres import _tsqueries

    tickets = max(1, Ticket.objects.count())
    best: tuple[str, float] | None = None
    for word in candidates[:30]:
        _languages, match = _tsqueries(word, True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_searchdocument "
                "WHERE kind = 'ticket' AND vector @@ %s::tsquery LIMIT %s) AS found",
                [match, tickets // 20],
            )
            share = cursor.fetchone()[0] / tickets
        if best is None or abs(share - 0.01) < abs(best[1] - 0.01):
            best = (word, share)
        if 0.008 <= share <= 0.013:
            break
    assert best is not None
    return best
