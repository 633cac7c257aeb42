"""Plain multi-row INSERTs for the generated data (``demo_bulk``).

``bulk_create`` builds a model instance per row and prepares every value
through its field, which for half a million messages costs more than the time
budget of the whole load. Rows here are tuples written with the DB-API
``executemany``; the SQL and value adaptation still come from the models'
metadata and the connection's operations, so the same code runs on SQLite and
PostgreSQL, and columns that are not given take their field's default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, models

Adapter = Callable[[Any], Any]

# Values of these fields go to the driver as they are (ints, bools, strings).
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _datetime_adapter() -> Adapter:
    """The connection's datetime adaptation, shortened for SQLite: the values here
    are always timezone-aware, and this runs about a million times per load."""
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone

    def adapt(value: datetime | None) -> str | None:
        # What the SQLite backend stores: naive, in the connection's time zone.
        return None if value is None else str(value.astimezone(zone).replace(tzinfo=None))

    return adapt


def _adapter(field: models.Field[Any, Any]) -> Adapter | None:
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "DateTimeField":
        return _datetime_adapter()

    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return prepare


class RowWriter:
    """Inserts rows of ``model`` given as tuples of the ``names`` attributes."""

    def __init__(self, model: type[models.Model], names: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(names) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}.")
        self.adapters = [
            (i, adapter) for i, name in enumerate(names) if (adapter := _adapter(fields[name]))
        ]
        rest = [f for f in fields.values() if f.attname not in names and not f.primary_key]
        for f in rest:
            if f.has_default() and callable(f.default) and f.default not in (dict, list):
                # A per-row default (a UUID, a timestamp) cannot be shared by the batch.
                raise ValueError(f"{model.__name__}.{f.name} needs a value per row.")
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quote = connection.ops.quote_name
        columns = [str(fields[name].column) for name in names] + [str(f.column) for f in rest]
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        # PostgreSQL: COPY streams the rows in one command, several times
        # quicker than even pipelined INSERTs for millions of messages.
        self.copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        )

    def write(self, rows: Iterable[Sequence[Any]], *, chunk: int = 5_000) -> int:
        """Insert ``rows`` (inside the caller's transaction); returns how many."""
        adapters, defaults = self.adapters, self.defaults
        prepared: list[tuple[Any, ...]] = []
        for row in rows:
            if adapters:
                row = list(row)
                for i, adapt in adapters:
                    row[i] = adapt(row[i])
            prepared.append((*row, *defaults))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and prepared:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for values in prepared:
                        copy.write_row(values)
                return len(prepared)
            for start in range(0, len(prepared), chunk):
                cursor.executemany(self.sql, prepared[start : start + chunk])
        return len(prepared)
