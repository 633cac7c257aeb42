"""PostgreSQL: a generated tsvector (stems with and without accents) under GIN,
``websearch_to_tsquery`` for typed queries, pg_trgm on titles for typos."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

from django.db import connection

from comptoir.search.models import Kind
from comptoir.search.text import ParsedQuery, fold

from . import CANDIDATES, GT, LT, MARK_END, MARK_START, Result, Row, Scope

# Content language -> (stemming configuration, the same without accents).
CONFIGS = {
    "fr": ("french", "comptoir_fr"),
    "en": ("english", "comptoir_en"),
    "es": ("spanish", "comptoir_es"),
}
OTHER = ("simple", "comptoir_simple")


def tsquery_text(parsed: ParsedQuery, *, any_word: bool, titles_only: bool = False) -> str:
    """``to_tsquery`` input for prefix (as-you-type) and any-word queries.

    Words are ``\\w+`` tokens, quoted; the configuration stems each one.
    ``titles_only`` restricts every word to the title's weight (A).
    """
    weight = "A" if titles_only else ""

    def lexeme(word: str, prefix: bool = False) -> str:
        marks = ("*" if prefix else "") + weight
        return f"'{word}'" + (f":{marks}" if marks else "")

    def term(words: list[str], prefix: bool) -> str:
        if prefix and len(words) == 1:
            return "(" + lexeme(words[0], prefix=True) + ")"
        return "(" + " <-> ".join(lexeme(w) for w in words) + ")"

    last = len(parsed.groups) - 1
    groups = [
        "("
        + " | ".join(
            term(words, parsed.open_prefix and g == last and t == len(group) - 1)
            for t, words in enumerate(group)
        )
        + ")"
        for g, group in enumerate(parsed.groups)
    ]
    text = (" | " if any_word else " & ").join(groups)
    for words in parsed.excluded:
        text += " & !(" + " <-> ".join(f"'{w}'" for w in words) + ")"
    return text


def web_text(parsed: ParsedQuery) -> str:
    """``websearch_to_tsquery`` input rebuilt from the parsed words (quotes balanced)."""
    parts = []
    for group in parsed.groups:
        parts.append(" or ".join('"' + " ".join(words) + '"' for words in group))
    parts += ['-"' + " ".join(words) + '"' for words in parsed.excluded]
    return " ".join(parts)


def _tsquery(config: str, *, web: bool) -> str:
    function = "websearch_to_tsquery" if web else "to_tsquery"
    return f"{function}('{config}', %s)"


@lru_cache(maxsize=1024)
def _tsqueries(text: str, web: bool) -> tuple[tuple[str, ...], str]:
    """The tsquery of each content language (``CONFIGS`` order, then the other
    languages'), and the match condition: one tsquery that the GIN index answers.

    Each language's tsquery is the union of the accented and unaccented stems,
    so both "bloque" and "equipe" find their words. The match ORs the eight
    configurations' tsqueries, each distinct one once: the GIN scan reads a
    posting list once per copy of a lexeme in the query, and most
    configurations stem a word alike (a name was read eight times). A
    per-language ``language = .. AND vector @@ ..`` OR would keep the planner
    off the index altogether.

    The answer only depends on the text and the text search configurations
    (set by migrations): it is kept per process, and the queries that use it
    carry plain tsquery constants, which the planner also estimates better.
    """
    configs = [*CONFIGS.values(), OTHER]
    columns = [
        f"({_tsquery(stem, web=web)} || {_tsquery(plain, web=web)})::text"
        for stem, plain in configs
    ]
    columns += [f"{_tsquery(c, web=web)}::text" for pair in configs for c in pair]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), [text] * (4 * len(configs)))
        found = cursor.fetchone()
    per_language = tuple(found[: len(configs)])
    distinct = dict.fromkeys(t for t in found[len(configs) :] if t)
    return per_language, " | ".join(f"({t})" for t in distinct)


# Article titles, folded, word by word: the dropdown's prefix match (partial GIN index).
TITLE_VECTOR = "to_tsvector('simple'::regconfig, d.title_plain)"

QUERY_CASE = (
    "CASE d.language "
    + " ".join(f"WHEN '{code}' THEN q.{code}" for code in CONFIGS)
    + " ELSE q.other END"
)


def _headline_config() -> str:
    whens = " ".join(
        f"WHEN '{code}' THEN '{cfg}'::regconfig" for code, (_s, cfg) in CONFIGS.items()
    )
    return f"CASE p.language {whens} ELSE '{OTHER[1]}'::regconfig END"


# Ranking reads each document's vector (about 0.05 ms each): the most recently
# updated matches are ranked, this many.
RANKED = 300

# ts_headline parses all the text it is given (about 1 ms per 4,000 characters):
# excerpts come from the start of long texts.
EXCERPT_FROM = 2_500


def _headline(column: str, options: str) -> str:
    # Angle brackets are swapped so ts_headline never mistakes text for markup.
    marks = f"StartSel={MARK_START}, StopSel={MARK_END}"
    text = f"left(t.{column}, {EXCERPT_FROM})"
    return f"ts_headline(t.cfg, translate({text}, '<>', '{LT}{GT}'), t.q, '{marks}, {options}')"


# Ticket documents are many: a word in 1 % of a million tickets matches 10,000,
# and reading each matching row to find the newest costs far more than the
# index scan. The newest matches are first looked for among the most recently
# updated documents (a btree range on ``updated_at``, migration 0005, ANDed
# with the GIN bitmap, so only the rows in both are read); the window widens
# only when it held fewer than ``CANDIDATES``. Same answer, since every
# document outside a window is older than every one inside.
# The first is small: a very common word (in most tickets) fills it, and
# PostgreSQL then reads a couple of thousand rows instead of 20,000. A window
# that the word's estimated share of documents (``_share``) does not promise
# to fill is not tried at all: reading it would only tell as much.
WINDOWS = (2_000, 20_000, 100_000)
# A wider window is tried only when the matches of the widest narrower one that
# ran, scaled to its size, promise this many times what is needed; else the
# whole index is read at once (a rarer word: reading a wide range that comes
# back short costs more than it saves).
FILL = 1.2
# A word estimated in this share of documents or more is common: reading each
# window from its newest document (each one's vector checked, about 4 µs) stops
# after a few thousand rows, and a window bounds what a wrong estimate costs.
# A rarer word is found through the GIN index, where only matches are read.
WALK_SHARE = 0.1
# Where each window starts moves slowly (documents updated since only widen
# it): looked up again after this many seconds.
WINDOW_REFRESH = 600.0
_starts: dict[str, Any] = {"at": None, "starts": []}


def _window_starts() -> list[tuple[int, Any]]:
    """(n, the ``updated_at`` of the n-th newest ticket document), for each n of
    ``WINDOWS`` that the index holds."""
    now = time.monotonic()
    if _starts["at"] is not None and now - _starts["at"] < WINDOW_REFRESH:
        return list(_starts["starts"])
    starts: list[tuple[int, Any]] = []
    nth = (
        "(SELECT updated_at FROM search_searchdocument WHERE kind = 'ticket' "
        "ORDER BY updated_at DESC OFFSET %s LIMIT 1)"
    )
    with connection.cursor() as cursor:
        # Without its index (a database not yet migrated) a window would read
        # more than it saves: none then.
        cursor.execute("SELECT to_regclass('search_document_ticket_updated') IS NOT NULL")
        if WINDOWS and cursor.fetchone()[0]:
            cursor.execute("SELECT " + ", ".join([nth] * len(WINDOWS)), [n - 1 for n in WINDOWS])
            found = cursor.fetchone()
            starts = [(n, at) for n, at in zip(WINDOWS, found, strict=True) if at is not None]
    _starts.update(at=now, starts=starts)
    return starts


@lru_cache(maxsize=1024)
def _share(match_text: str) -> float:
    """The planner's estimate of the share of documents that ``match_text``
    matches (from the column's statistics: most common lexemes and their
    frequencies). Kept per process, like ``_tsqueries``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_searchdocument d "
            "WHERE d.vector @@ %s::tsquery UNION ALL SELECT 1 FROM search_searchdocument",
            [match_text],
        )
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    matching, documents = (child["Plan Rows"] for child in plan[0]["Plan"]["Plans"])
    return float(matching) / max(float(documents), 1.0)


def reset_caches() -> None:
    """Forget what is kept per process (tests counting queries start from nothing)."""
    _tsqueries.cache_clear()
    _share.cache_clear()
    _starts.update(at=None, starts=[])


def _windowed(
    scan: str, params: list[Any], starts: list[tuple[int, Any]], walk: bool = False
) -> tuple[str, list[Any]]:
    """The ``cand`` CTE over ``scan`` (a select of matching documents): the
    ``CANDIDATES + 1`` most recently updated, trying each window of ``starts``
    before the whole index. A window runs only when every narrower one came
    back short, and, but for the whole index, when the widest narrower one
    that found anything promises to fill it (``FILL``): conditions on those
    alone, so PostgreSQL skips the scan when they are false. ``cand`` is the
    widest window that ran (each holds the narrower ones). ``walk``: the word
    is common, PostgreSQL may read each window from its newest document and
    stop when it has enough."""
    limit = CANDIDATES + 1
    parts, out = [], []
    bounds: list[tuple[int, Any] | None] = [*starts, None]
    for i, bound in enumerate(bounds):
        gate = [f"(SELECT count(*) FROM w{j}) < %s" for j in range(i)]
        gate_params: list[Any] = [limit] * i
        window = ""
        if bound is not None:
            window = "AND d.updated_at >= %s"
            if i > 0:
                # The widest narrower window that found anything (one that was
                # skipped found nothing; so did a narrower one then).
                promises = [f"NULLIF((SELECT count(*) FROM w{j}), 0) * %s" for j in range(i)]
                gate.append(f"COALESCE({', '.join(reversed(promises))}, 0) >= %s")
                gate_params += [*(bound[0] / starts[j][0] for j in reversed(range(i)))]
                gate_params.append(FILL * limit)
        # Sorted on an expression, not the column (unless ``walk``, within a
        # window, which bounds the walk): ordered by the btree, the
        # planner would walk the documents from the newest and check each one's
        # vector until enough matched (it underrates that check: seconds for a
        # word in 1 % of a million tickets). The id settles ties (documents
        # updated by one bulk change share ``updated_at``), so that every window
        # and the whole index pick the same documents (the ranked ones and the
        # page's order below are settled the same way).
        newest = (
            "d.updated_at" if walk and bound is not None else "d.updated_at + interval '0 seconds'"
        )
        parts.append(
            f"""w{i} AS MATERIALIZED ({scan} {window} AND {" AND ".join(gate) or "true"}
                ORDER BY {newest} DESC, d.id DESC LIMIT %s)"""
        )
        out += [*params, *([bound[1]] if bound is not None else []), *gate_params, limit]
    wider = lambda i: " AND ".join(  # noqa: E731
        f"NOT EXISTS (SELECT 1 FROM w{j})" for j in range(i + 1, len(bounds))
    )
    union = " UNION ALL ".join(
        f"SELECT * FROM w{i}" + (f" WHERE {wider(i)}" if i < len(bounds) - 1 else "")
        for i in range(len(bounds))
    )
    return ",\n".join([*parts, f"cand AS MATERIALIZED ({union})"]), out


# Sent in the statement's own string: one round trip, and, out of a transaction
# block, one implicit transaction, so nothing outlives the statement (inside a
# transaction block, the settings last until its end). The wider windows are
# costed as if they ran, over hundreds of thousands of rows for a common word:
# the plan's total cost then turns on JIT compilation (about 60 ms) and
# parallel workers started for scans that their gate skips (about 40 ms each),
# though what runs reads a few thousand rows at most.
PLAN = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; "


class PostgresBackend:
    def sync(self, doc_ids: list[int]) -> None:
        # The tsvector column is generated by the database itself.
        return None

    def remove(self, doc_ids: list[int]) -> None:
        return None

    def title_match(self, parsed: ParsedQuery) -> tuple[str, list[object]]:
        # The expression of the partial index on article titles (migration 0003).
        folded = ParsedQuery(
            groups=[[[fold(w) for w in words] for words in group] for group in parsed.groups],
            excluded=[[fold(w) for w in words] for words in parsed.excluded],
            open_prefix=parsed.open_prefix,
        )
        return (
            f"{TITLE_VECTOR} @@ to_tsquery('simple', %s)",
            [tsquery_text(folded, any_word=False)],
        )

    def query(
        self,
        *,
        scope: Scope,
        parsed: ParsedQuery,
        any_word: bool,
        limit: int,
        excerpts: bool,
        language: str,
        titles_only: bool = False,
        typos: bool = False,
    ) -> Result:
        """One statement, in four steps:

        1. ``cand``: the matching documents (the GIN index, or the scope's few
           ids when it has them), the ``CANDIDATES`` most recently updated
           (counted: the total shown, capped), tickets looked for in the
           recency windows first (``_windowed``);
        2. the ``RANKED`` most recent of them scored (ranking reads each
           document's vector: a bounded number);
        3. one row per object, the page's ``limit`` best;
        4. title and excerpt highlighted for those rows only.
        """
        web = not any_word and not parsed.open_prefix and not titles_only
        text = (
            web_text(parsed)
            if web
            else tsquery_text(parsed, any_word=any_word, titles_only=titles_only)
        )
        per_language, match_text = _tsqueries(text, web)
        q_select = "SELECT " + ", ".join(f"%s::tsquery AS {lang}" for lang in [*CONFIGS, "other"])
        q_params: list[Any] = list(per_language)
        match, match_params = "%s::tsquery", [match_text]
        plain_words = fold(" ".join(parsed.words))
        # Typos: trigram similarity on article titles, for one or two plain words
        # only (a sentence or a phrase is never a misspelt title).
        simple = not parsed.excluded and all(len(g) == 1 and len(g[0]) == 1 for g in parsed.groups)
        typo = (
            typos
            and scope.kind == Kind.ARTICLE
            and simple
            and len(parsed.words) <= 2
            and not any_word
            and len(plain_words) >= 4
        )
        typo_sql = " OR (%s <%% d.title_plain)" if typo else ""
        condition = f"(d.vector @@ ({match}){typo_sql})"
        condition_params = [*match_params, *([plain_words] if typo else [])]
        params: list[Any] = []
        if scope.kind == Kind.ARTICLE:
            # Every matching article first (a few thousand at most, through their
            # own partial indexes), then the scope: joined to the scope at once,
            # the planner walks all articles and reads each vector.
            cand = f"""
                matched AS MATERIALIZED (
                    SELECT d.id, d.object_id, d.updated_at FROM search_searchdocument d
                    WHERE d.kind = 'article' AND {condition}
                ),
                cand AS MATERIALIZED (
                    SELECT m.id, m.object_id, m.updated_at FROM matched m
                    WHERE {"m.object_id IN (" + scope.ids[0] + ")" if scope.ids else "true"}
                    ORDER BY m.updated_at DESC, m.id DESC LIMIT %s
                )"""
            params += [*condition_params, *(scope.ids[1] if scope.ids else ()), CANDIDATES + 1]
        else:
            if scope.id_list is not None:
                # A few ids (a customer's tickets): start from them, check each.
                where = "d.object_id = ANY(%s) AND"
                params += [scope.id_list]
            elif scope.ids is not None:
                where = f"d.object_id IN ({scope.ids[0]}) AND"
                params += list(scope.ids[1])
            else:
                where = ""
            scan = f"""
                SELECT d.id, d.object_id, d.updated_at FROM search_searchdocument d
                WHERE d.kind = %s AND {where} {condition}"""
            scan_params = [scope.kind, *params, *condition_params]
            starts = _window_starts() if scope.id_list is None else []
            share = _share(match_text) if starts else 0.0
            walk = share >= WALK_SHARE
            if not walk:
                starts = [w for w in starts if w[0] * share >= FILL * (CANDIDATES + 1)]
            cand, params = _windowed(scan, scan_params, starts, walk)
        params += [*q_params, plain_words, language, limit]
        excerpt = (
            _headline("body", 'MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "')
            if excerpts
            else "''"
        )
        sql = f"""
            WITH {cand},
            q AS MATERIALIZED ({q_select}),
            scored AS (
                SELECT d.id, d.kind, d.object_id, d.language, d.title, d.body, d.updated_at,
                       (ts_rank('{{0, 0, 0, 1}}', d.vector, {QUERY_CASE}) * 2
                        + ts_rank_cd(d.vector, {QUERY_CASE}, 1)
                        + word_similarity(%s, d.title_plain) * 0.3
                        + d.boost
                        + 0.05 / (1 + extract(epoch from now() - d.updated_at) / 86400 / 180)
                       ) AS score,
                       {QUERY_CASE} AS q
                FROM (SELECT * FROM cand ORDER BY updated_at DESC, id DESC LIMIT {RANKED}) c
                JOIN search_searchdocument d ON d.id = c.id CROSS JOIN q
            ),
            best AS (
                SELECT DISTINCT ON (s.object_id) s.*,
                       max(s.score) OVER (PARTITION BY s.object_id) AS best
                FROM scored s
                ORDER BY s.object_id, (s.language = %s) DESC, s.score DESC, s.id
            ),
            page AS (
                SELECT * FROM best ORDER BY best DESC, updated_at DESC, object_id DESC LIMIT %s
            )
            SELECT t.id, t.kind, t.object_id, t.language, t.title, t.best,
                   {_headline("title", "HighlightAll=true")}, {excerpt},
                   (SELECT count(DISTINCT object_id) FROM cand)
            FROM (SELECT p.*, {_headline_config()} AS cfg FROM page p) t
            ORDER BY t.best DESC, t.updated_at DESC, t.object_id DESC
        """
        with connection.cursor() as cursor:
            cursor.execute(PLAN + sql, params)
            while cursor.description is None and cursor.nextset():
                pass
            found = cursor.fetchall()
        if not found:
            return Result(rows=[], total=0, capped=False)
        total = found[0][-1]
        rows = [Row(*row[:-1]) for row in found]
        return Result(rows=rows, total=min(total, CANDIDATES), capped=total > CANDIDATES)
