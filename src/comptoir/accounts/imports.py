"""Creating customers from a CSV file (seeds 002 and 004: the support team creates
the accounts and each person receives an activation email)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .forms import phone_international
from .models import Organisation, Role, User
from .services import user_create

MAX_ROWS = 5_000
COLUMNS = ("email", "first_name", "last_name", "organisation", "language", "phone")


@dataclass
class RowResult:
    line: int
    email: str
    created: bool
    message: str


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    error: str = ""

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.created)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if not r.created)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without the mark spreadsheets add), else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _reader(text: str) -> csv.DictReader[str]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    return reader


def _organisation(name: str, *, create: bool, cache: dict[str, Organisation]) -> Organisation:
    key = name.casefold()
    if key not in cache:
        found = Organisation.objects.filter(name__iexact=name).first()
        if found is None:
            if not create:
                raise ValidationError(
                    _("Unknown organisation “%(name)s”.") % {"name": name}, code="organisation"
                )
            found = Organisation.objects.create(name=name[:200])
        cache[key] = found
    return cache[key]


def customers_import(
    *, text: str, created_by: User, create_organisations: bool, send_activation: bool
) -> ImportReport:
    """Create one customer per line. A line that fails (duplicate address,
    unknown organisation, invalid phone) is reported and the others go on."""
    report = ImportReport()
    reader = _reader(text)
    if "email" not in (reader.fieldnames or []):
        report.error = _("The first line must name the columns, including “email”.")
        return report
    organisations: dict[str, Organisation] = {}
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            report.error = _("Only the first %(count)d lines were read.") % {"count": MAX_ROWS}
            break
        values = {key: (row.get(key) or "").strip() for key in COLUMNS}
        if not any(values.values()):
            continue
        try:
            with transaction.atomic():
                orgs = (
                    [
                        _organisation(
                            values["organisation"],
                            create=create_organisations,
                            cache=organisations,
                        )
                    ]
                    if values["organisation"]
                    else []
                )
                user_create(
                    email=values["email"],
                    role=Role.CUSTOMER,
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    language=values["language"].lower()[:2],
                    phone=phone_international(values["phone"]),
                    organisations=orgs,
                    created_by=created_by,
                    send_activation=send_activation,
                )
        except ValidationError as error:
            # A failed line may have created its organisation in the rolled-back block.
            organisations = {k: o for k, o in organisations.items() if o.pk and _exists(o)}
            report.rows.append(RowResult(line, values["email"], False, " ".join(error.messages)))
        else:
            report.rows.append(RowResult(line, values["email"], True, _("Created")))
    return report


def _exists(organisation: Organisation) -> bool:
    return Organisation.objects.filter(pk=organisation.pk).exists()
