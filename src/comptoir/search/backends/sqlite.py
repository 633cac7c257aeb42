"""SQLite: an FTS5 table (diacritics removed, prefix indexes) kept in step by ``search.index``."""

from __future__ import annotations

from typing import Any

from django.db import connection

from comptoir.search.models import Kind
from comptoir.search.text import ParsedQuery

from . import CANDIDATES, MARK_END, MARK_START, Result, Row, Scope, best_rows

# Words this long or longer also match as prefixes ("facture" finds "factures"):
# a crude stand-in for the stemming SQLite does not have.
PREFIX_FROM = 4


def _quote(words: list[str]) -> str:
    return '"' + " ".join(words) + '"'


def _term(words: list[str], *, prefix: bool) -> str:
    text = _quote(words)
    if prefix or (len(words) == 1 and len(words[0]) >= PREFIX_FROM):
        text += "*"
    return text


def match_expression(parsed: ParsedQuery, *, any_word: bool, titles_only: bool = False) -> str:
    last_group = len(parsed.groups) - 1
    groups = []
    for g, group in enumerate(parsed.groups):
        terms = [
            _term(words, prefix=parsed.open_prefix and g == last_group and t == len(group) - 1)
            for t, words in enumerate(group)
        ]
        groups.append("(" + " OR ".join(terms) + ")")
    expression = (" OR " if any_word else " AND ").join(groups)
    for words in parsed.excluded:
        expression = f"({expression}) NOT {_quote(words)}"
    return f"title : ({expression})" if titles_only else expression


class SqliteBackend:
    def sync(self, doc_ids: list[int]) -> None:
        if not doc_ids:
            return
        marks = ",".join("%s" for _ in doc_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", doc_ids)
            cursor.execute(
                "INSERT INTO search_fts (rowid, title, body) "
                f"SELECT id, title, body FROM search_searchdocument WHERE id IN ({marks})",
                doc_ids,
            )

    def remove(self, doc_ids: list[int]) -> None:
        if not doc_ids:
            return
        marks = ",".join("%s" for _ in doc_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", doc_ids)

    def title_match(self, parsed: ParsedQuery) -> tuple[str, list[object]]:
        return (
            "d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
            [match_expression(parsed, any_word=False, titles_only=True)],
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
        where = "search_fts MATCH %s AND d.kind = %s"
        where_params: list[Any] = [
            match_expression(parsed, any_word=any_word, titles_only=titles_only),
            scope.kind,
        ]
        if scope.ids is not None:
            where += f" AND d.object_id IN ({scope.ids[0]})"
            where_params += list(scope.ids[1])
        excerpt = "snippet(search_fts, 1, %s, %s, ' … ', 24)" if excerpts else "''"
        # bm25 is lower-is-better; a title match weighs ten body matches.
        # An object may match in several languages: enough rows to keep ``limit``.
        sql = f"""
            SELECT d.id, d.kind, d.object_id, d.language, d.title,
                   -bm25(search_fts, 10.0, 1.0) + d.boost
                   + 0.05 / (1.0 + (julianday('now') - julianday(d.updated_at)) / 180.0) AS score,
                   highlight(search_fts, 0, %s, %s), {excerpt}
            FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid
            WHERE {where}
            ORDER BY score DESC, d.updated_at DESC
            LIMIT %s
        """
        params: list[Any] = [MARK_START, MARK_END]
        if excerpts:
            params += [MARK_START, MARK_END]
        params += [*where_params, limit * 3 if scope.kind == Kind.ARTICLE else limit]
        count_sql = f"""
            SELECT count(*) FROM (
                SELECT DISTINCT d.object_id
                FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid
                WHERE {where} LIMIT %s
            )
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = [Row(*row) for row in cursor.fetchall()]
            rows = best_rows(found, language)[:limit]
            if len(found) < params[-1]:  # every match is here
                total = len(rows)
            else:
                cursor.execute(count_sql, [*where_params, CANDIDATES + 1])
                total = cursor.fetchone()[0]
        return Result(rows=rows, total=min(total, CANDIDATES), capped=total > CANDIDATES)
