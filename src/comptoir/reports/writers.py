"""Writing export rows: CSV streamed chunk by chunk, Excel in constant memory.

Cells are safe to open: text starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is prefixed with ``'`` in CSV (spreadsheets would run it as a
formula); in Excel every text is written as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
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


# What ``safe_text`` has to change; most texts contain none of it.
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed: no formula, no control characters."""
    if not _NEEDS_CLEANING.search(value) and not value.startswith(_FORMULA_START):
        return value[:MAX_CELL]
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return value.replace("\r", "\n")[:MAX_CELL]


# Django date format characters with a fixed-width strftime equivalent.
_STRFTIME = {"d": "%d", "m": "%m", "H": "%H", "i": "%M", "h": "%I", "s": "%S", "y": "%y"}


def date_formatter(date_format: str, tz: zoneinfo.ZoneInfo) -> Callable[[datetime], str]:
    """A function that writes an aware datetime in ``tz`` as Django's
    ``dateformat.format(..., date_format)`` does, fast for the usual formats
    (day, month, year, hours, minutes, AM/PM); any other format goes through
    Django."""
    # The placeholders \x01 (year) and \x02 (AM/PM) go through strftime untouched.
    if set(date_format) & set("\\%\x00\x01\x02") or any(
        c.isalpha() and c not in _STRFTIME and c not in "YA" for c in date_format
    ):
        return lambda value: dateformat.format(timezone.localtime(value, tz), date_format)
    pattern = "".join(_STRFTIME.get(c, "\x02" if c == "A" else c) for c in date_format)
    pattern = pattern.replace("Y", "\x01")
    am, pm = _("AM"), _("PM")
    has_year, has_ampm = "\x01" in pattern, "\x02" in pattern

    def format_date(value: datetime) -> str:
        local = value.astimezone(tz)
        text = local.strftime(pattern)
        if has_year:
            text = text.replace("\x01", f"{local.year:04d}")
        if has_ampm:
            text = text.replace("\x02", am if local.hour < 12 else pm)
        return text

    return format_date


def csv_converter(*, tz: zoneinfo.ZoneInfo, date_format: str) -> Callable[[Any], Any]:
    """``csv_cell`` with the date format and labels worked out once."""
    format_date = date_formatter(date_format, tz)
    yes, no = _("Yes"), _("No")

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return safe_text(value)
        if value is None:
            return ""
        if kind is datetime:
            return format_date(value)
        if kind is bool:
            return yes if value else no
        if kind is int or kind is float:
            return value
        return csv_cell(value, tz=tz, date_format=date_format)

    return convert


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


CSV_CHUNK = 500


def csv_stream(
    header: list[str],
    rows: Iterable[list[Any]],
    *,
    tz: zoneinfo.ZoneInfo,
    date_format: str,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (Excel then reads accents right), one chunk
    of rows at a time. The labels are read in the language active when it is
    called (a streamed response is read after the view returns)."""
    convert = csv_converter(tz=tz, date_format=date_format)
    return _csv_chunks(header, rows, convert, progress)


def _csv_chunks(
    header: list[str],
    rows: Iterable[list[Any]],
    convert: Callable[[Any], Any],
    progress: Callable[[int], None] | None,
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(h) for h in header])
    yield ("\ufeff" + buffer.getvalue()).encode()
    count = 0
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append(list(map(convert, row)))
        if len(chunk) >= CSV_CHUNK:
            count += len(chunk)
            yield _csv_text(buffer, writer, chunk)
            chunk = []
            if progress:
                progress(count)
    if chunk:
        count += len(chunk)
        yield _csv_text(buffer, writer, chunk)
    if progress:
        progress(count)


def _csv_text(buffer: io.StringIO, writer: Any, rows: list[list[Any]]) -> bytes:
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(rows)
    return buffer.getvalue().encode()


EXCEL_DATE_FORMATS = {
    DateFormat.DAY_FIRST.value: "dd/mm/yyyy hh:mm",
    DateFormat.MONTH_FIRST.value: "mm/dd/yyyy hh:mm AM/PM",
    DateFormat.ISO.value: "yyyy-mm-dd hh:mm",
}
# Excel's day 0 (1900 date system, whose 29 February 1900 is counted).
_EXCEL_EPOCH = datetime(1899, 12, 31).toordinal()


def excel_serial(local: datetime) -> float:
    """The Excel number of ``local``'s wall-clock time, as xlsxwriter's
    ``write_datetime`` computes it (same operations, so the same number)."""
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    serial = (local.toordinal() - _EXCEL_EPOCH) + (
        float(seconds) + float(local.microsecond) / 1e6
    ) / 86400
    return serial + 1 if serial > 59 else serial


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
    yes, no = _("Yes"), _("No")
    write_string, write_number = sheet.write_string, sheet.write_number
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:
                    text = _excel_text(value)
                    if text.startswith("<r>") and text.endswith("</r>"):
                        _markup_like(sheet, count, col, text, wrap)
                    else:
                        write_string(count, col, text, wrap if "\n" in text else None)
            elif value is None:
                continue
            elif kind is datetime:
                write_number(count, col, excel_serial(value.astimezone(tz)), dates)
            elif kind is bool:
                write_string(count, col, yes if value else no)
            elif kind is int or kind is float:
                write_number(count, col, value)
            else:
                _xlsx_cell(sheet, count, col, value, tz=tz, dates=dates, wrap=wrap)
        if progress and count % 1000 == 0:
            progress(count)
    workbook.close()
    if progress:
        progress(count)
    return count


def _markup_like(sheet: Any, row: int, col: int, text: str, wrap: Any) -> None:
    """A text shaped like ``<r>...</r>``: xlsxwriter copies such a string into the
    sheet's XML as it is (its own rich-text markup), which would break the file or
    change the text. Written as plain rich-text fragments (xlsxwriter wants at
    least three), every character is escaped and the text stays as it was."""
    fragments: list[Any] = [text[:1], text[1:2], text[2:]]
    if "\n" in text:
        fragments.append(wrap)
    sheet.write_rich_string(row, col, *fragments)


def _excel_text(value: str) -> str:
    if _NEEDS_CLEANING.search(value):
        value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value[:MAX_CELL]


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
