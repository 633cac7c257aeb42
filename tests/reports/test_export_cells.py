"""The export's fast cell writers give exactly what Django's formatting gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, timezone, translation

from comptoir.accounts.models import DateFormat
from comptoir.reports.writers import csv_cell, csv_converter, date_formatter, safe_text

INSTANTS = [
    datetime(2026, 1, 15, 3, 30, tzinfo=UTC) + timedelta(minutes=37 * n, seconds=n)
    for n in range(0, 2000, 7)
] + [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("fmt", [*DateFormat.values, "j N Y, P", "D d/m/y H:i:s"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Montreal", "UTC"])
def test_dates_read_as_django_writes_them(language, fmt, zone):
    tz = ZoneInfo(zone)
    with translation.override(language):
        fast = date_formatter(fmt, tz)
        for instant in INSTANTS:
            assert fast(instant) == dateformat.format(timezone.localtime(instant, tz), fmt)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "=1+1",
        "+33 6",
        "-x",
        "@SUM",
        "\tindent",
        "\rcr",
        "a\r\nb\rc",
        "bell\x07",
        "x" * 40_000,
        "",
        None,
        3,
        2.5,
        True,
        False,
        datetime(2026, 5, 1, 12, tzinfo=UTC),
    ],
)
def test_the_csv_converter_matches_the_cell_rules(value):
    tz = ZoneInfo("Europe/Paris")
    convert = csv_converter(tz=tz, date_format=DateFormat.DAY_FIRST.value)
    assert convert(value) == csv_cell(value, tz=tz, date_format=DateFormat.DAY_FIRST.value)


def test_formulas_are_neutralised_and_controls_removed():
    assert safe_text("=HYPERLINK()") == "'=HYPERLINK()"
    assert safe_text("a\x00b\r\nc") == "ab\nc"
    assert safe_text("fine") == "fine"


def test_excel_numbers_of_dates_are_xlsxwriter_s():
    from xlsxwriter.utility import _datetime_to_excel_datetime

    from comptoir.reports.writers import excel_serial

    tz = ZoneInfo("America/Montreal")
    for instant in INSTANTS:
        local = instant.astimezone(tz)
        expected = _datetime_to_excel_datetime(local.replace(tzinfo=None), False, False)
        assert excel_serial(local) == expected


# -- Excel text cells ---------------------------------------------------------------------


def test_excel_text_that_looks_like_markup_stays_text(tmp_path):
    import openpyxl

    from comptoir.reports.writers import xlsx_write

    texts = ["<r><t>bold</t></r>", "<b>x</b> & <i>", '=HYPERLINK("http://evil.test")']
    path = str(tmp_path / "markup.xlsx")
    xlsx_write(path, ["Subject"], [[t] for t in texts], tz=ZoneInfo("UTC"), date_format="Y-m-d")

    sheet = openpyxl.load_workbook(path).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == texts
    assert {c.data_type for c in cells} == {"s"}
