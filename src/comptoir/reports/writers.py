"""Writing export rows: CSV streamed chunk by chunk, Excel in constant memory.

Cells are safe to open: text starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is prefixed with ``'`` in CSV (spreadsheets would run it as a
formula); in Excel every text is written as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import xlsxwriter
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import DateFormat

MAX_CELL = 32_000  # Excel's limit is 32,767 characters per cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- cells ---------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed: no formula, no control characters."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return value.replace("\r", "\n")[:MAX_CELL]


def csv_cell(value: Any, *, tz: zoneinfo.ZoneInfo, date_format: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return dateformat.format(timezone.localtime(value, tz), date_format)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return value
    return safe_text(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(
    header: list[str],
    rows: Iterable[list[Any]],
    *,
    tz: zoneinfo.ZoneInfo,
    date_format: str,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (Excel then reads accents right), one chunk
    of rows at a time."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow([safe_text(h) for h in header])).encode()
    chunk: list[str] = []
    count = 0
    for row in rows:
        chunk.append(writer.writerow([csv_cell(c, tz=tz, date_format=date_format) for c in row]))
        count += 1
        if len(chunk) >= 500:
            yield "".join(chunk).encode()
            chunk = []
            if progress:
                progress(count)
    if chunk:
        yield "".join(chunk).encode()
    if progress:
        progress(count)


EXCEL_DATE_FORMATS = {
    DateFormat.DAY_FIRST.value: "dd/mm/yyyy hh:mm",
    DateFormat.MONTH_FIRST.value: "mm/dd/yyyy hh:mm AM/PM",
    DateFormat.ISO.value: "yyyy-mm-dd hh:mm",
}


def xlsx_write(
    path: str,
    header: list[str],
    rows: Iterable[list[Any]],
    *,
    tz: zoneinfo.ZoneInfo,
    date_format: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write an .xlsx file row by row (``constant_memory``: each row is flushed
    to disk once the next one starts). Dates are real dates in the user's time
    zone and display format. Returns the number of rows."""
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_("Tickets")[:31])
    bold = workbook.add_format({"bold": True})
    dates = workbook.add_format(
        {"num_format": EXCEL_DATE_FORMATS.get(date_format, "yyyy-mm-dd hh:mm")}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, max(len(header) - 1, 0), 18)
    for col, title in enumerate(header):
        sheet.write_string(0, col, title, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _xlsx_cell(sheet, count, col, value, tz=tz, dates=dates, wrap=wrap)
        if progress and count % 1000 == 0:
            progress(count)
    workbook.close()
    if progress:
        progress(count)
    return count


def _xlsx_cell(sheet: Any, row: int, col: int, value: Any, **fmt: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        local = timezone.localtime(value, fmt["tz"]).replace(tzinfo=None)
        sheet.write_datetime(row, col, local, fmt["dates"])
    elif isinstance(value, bool):
        sheet.write_string(row, col, _("Yes") if value else _("No"))
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        # A string cell is never evaluated: "=1+1" stays the text "=1+1".
        text = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))[:MAX_CELL]
        sheet.write_string(row, col, text, fmt["wrap"] if "\n" in text else None)


def export_filename(fmt: str, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return f"tickets-{timezone.localtime(now):%Y%m%d-%H%M}.{fmt}"
