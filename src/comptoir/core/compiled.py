"""Queries of a fixed shape compiled to SQL once per process.

Compiling a query costs more Python than PostgreSQL takes to run it, and the
busiest pages (the customer's and the agent's ticket pages) run reads whose
shape never changes: their SQL is compiled once per process and shape, from
objects whose ids are markers, which are then swapped for the real ids in the
parameters. A read whose markers do not all reach the parameters is not
compiled (``compiled_query`` answers None): its caller runs the queryset.
Tests compare each compiled read with its queryset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import DEFAULT_FETCH_MODE, get_related_populators

# Markers stay inside the columns' ranges: Django compiles an out-of-range
# value to an empty condition.
MARK_TICKET = -7_000_000_101
MARK_REQUESTER = -7_000_000_102
MARK_USER = -7_000_000_103
MARK_ORGANISATION = -7_000_000_104
MARK_NUMBER = 2_147_000_101  # a positive 32-bit number
MARK_SINCE = datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple[Any, ...]
    compiler: Any
    converters: Any
    alias: str


_COMPILED: dict[tuple[Any, ...], Compiled | None] = {}


def compiled_query(
    model: type[Model],
    shape: tuple[Any, ...],
    build: Callable[[], QuerySet[Any, Any]],
    marks: tuple[Any, ...],
) -> Compiled | None:
    """The SQL of ``build()`` (built with markers), compiled once for ``shape``;
    None when a marker did not reach the parameters (then not cached as such:
    the caller runs its queryset)."""
    alias = router.db_for_read(model)
    key = (alias, connections[alias].vendor, *shape)
    try:
        return _COMPILED[key]
    except KeyError:
        pass
    compiler = build().query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # nobody's tickets: the queryset says so itself
        _COMPILED[key] = None
        return None
    found: Compiled | None = Compiled(
        sql,
        tuple(params),
        compiler,
        compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]]),
        alias,
    )
    if not set(marks) <= _hashable(params):
        found = None
    _COMPILED[key] = found
    return found


def _hashable(params: Any) -> set[Any]:
    found = set()
    for p in params:
        try:
            found.add(p)
        except TypeError:  # a list, say
            continue
    return found


def _swap(param: Any, values: dict[Any, Any]) -> Any:
    """``param``, or its value when it is a marker (equal to one: an integer
    may come wrapped, as psycopg's Int4, and keeps its wrapper)."""
    try:
        value = values[param]
    except (KeyError, TypeError):
        return param
    if isinstance(param, int) and not isinstance(param, bool):
        return type(param)(value)
    return value


def run_compiled(compiled: Compiled, values: dict[Any, Any]) -> list[Any]:
    """The rows of ``compiled`` with the markers given their ``values``."""
    real = [_swap(p, values) for p in compiled.params]
    with connections[compiled.alias].cursor() as cursor:
        cursor.execute(compiled.sql, real)
        rows = cursor.fetchall()
    if compiled.converters:
        return [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
    return rows


def compiled_instances(compiled: Compiled, rows: list[Any]) -> list[Any]:
    """Model objects from the rows of a compiled model query (with its
    ``select_related`` and annotations), as Django's own iterator makes them."""
    compiler = compiled.compiler
    select, klass_info = compiler.select, compiler.klass_info
    model_cls = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, compiled.alias, DEFAULT_FETCH_MODE)
    found = []
    for row in rows:
        obj = model_cls.from_db(
            compiled.alias, names, row[start:end], fetch_mode=DEFAULT_FETCH_MODE
        )
        for populator in populators:
            populator.populate(row, obj)
        for name, position in compiler.annotation_col_map.items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found
