"""Full-text backends, chosen by the database vendor.

Both answer the same question: among the documents whose ids the ``scope``
subquery returns, which match ``parsed`` and how well. The scope is always
built from the visibility queries, so a backend never decides who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.db import connection

from comptoir.search.text import ParsedQuery

# Excerpts come back with these around matched words; the service escapes the
# text, then turns them into <mark>, so user text never reaches HTML unescaped.
MARK_START = "\x02"
MARK_END = "\x03"
# ts_headline reads "<...>" as markup and drops it; angle brackets travel as
# these private-use characters instead and are restored before escaping.
LT = "\ue000"
GT = "\ue001"


@dataclass(frozen=True)
class Row:
    doc_id: int
    kind: str
    object_id: int
    language: str
    title: str
    score: float
    title_marked: str
    excerpt_marked: str


class Backend(Protocol):
    def sync(self, doc_ids: list[int]) -> None: ...

    def remove(self, doc_ids: list[int]) -> None: ...

    def query(
        self,
        *,
        scope: tuple[str, tuple[object, ...]],
        parsed: ParsedQuery,
        any_word: bool,
        limit: int,
        excerpts: bool,
        titles_only: bool = False,
    ) -> list[Row]: ...


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SqliteBackend

    return SqliteBackend()
