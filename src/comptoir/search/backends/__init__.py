"""Full-text backends, chosen by the database vendor.

Both answer the same question: among the documents of one kind whose object
ids the ``scope`` allows, which match ``parsed`` and how well. The scope is always
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

# Matches ranked per search, the most recently updated first: ranking reads each
# document's vector, so a word in 1 % of a million tickets must not rank them all.
# Also the cap of the count shown ("more than 1,000 results").
CANDIDATES = 1_000
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


@dataclass(frozen=True)
class Scope:
    """Which documents of one kind a search may return.

    ``ids``: a subquery (SQL, params) of the object ids allowed, or ``None``
    when the user may see every object of the kind (no scope to join).
    ``id_list``: the same ids, when they are few (a customer's tickets): the
    search starts from them and checks the match on each, rather than the
    other way round.
    """

    kind: str
    ids: tuple[str, tuple[object, ...]] | None
    id_list: list[int] | None = None


@dataclass(frozen=True)
class Result:
    rows: list[Row]
    # Distinct objects matched, counted up to the backend's cap (then ``capped``).
    total: int
    capped: bool


def best_rows(rows: list[Row], language: str) -> list[Row]:
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


class Backend(Protocol):
    def sync(self, doc_ids: list[int]) -> None: ...

    def remove(self, doc_ids: list[int]) -> None: ...

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
        """The ``limit`` best objects of ``scope.kind`` matching ``parsed``, one row
        per object (the reader's ``language`` when it matched), best first.
        ``typos``: also article titles like the words typed (where supported)."""
        ...

    def title_match(self, parsed: ParsedQuery) -> tuple[str, list[object]]:
        """A condition on the document ``d``: its title holds every word of
        ``parsed`` (accents and case ignored), the last one as a prefix."""
        ...


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SqliteBackend

    return SqliteBackend()
