"""Formula injection (OWASP "CSV injection") through every file the portal exports, and the PDF
page header in its CSS context (issue 14, finding 2).

Every CSV door (interaction drill-down, a work item's audit.csv, the day's changes, the monthly
report CSV) and the report XLSX get hostile text in the fields people type or import (external
ids, customer references, work item titles, notes, client names); a cell a spreadsheet would read
as a formula must come out neutralised (CSV: a leading `'`; XLSX: a string cell, never a formula),
and numbers must stay numbers. The PDF header must print a client name with markup, quotes,
backslashes and accents literally."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tinycss2
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from bpo_portal import exports
from sla.reports import render
from sla.reports.data import report_data_build
from sla.reports.services import report_generate
from tests.conftest import api_as
from tests.factories import WorkItemFactory
from tests.kpi_helpers import load, row
from tests.test_reports import pdf_text
from tests.test_sla_api import october, targets
from work.models import EventKind, WorkItemEvent

pytestmark = pytest.mark.django_db

# What a spreadsheet starts a formula with (OWASP), and hostile values built on each.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://x","y")'
HOSTILE = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-5",
    " =1+1",
    "\uff1d1+1",  # full-width equals sign, folded to "=" by some spreadsheets
]
OCT = date(2025, 10, 1)


def _formula_like(text: str) -> bool:
    """Independent of bpo_portal.exports: would a spreadsheet read this CSV text as a formula?"""
    stripped = text.lstrip(" \u00a0")
    return bool(text) and (text[0] in TRIGGERS or (stripped[:1] in (*TRIGGERS, "\uff1d")))


def _assert_csv_neutral(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for line in rows:
        for cell in line:
            assert not _formula_like(cell), (cell, line)
    return rows


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the helper itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cell_prefixes_formula_leading_text_with_a_quote(value):
    assert exports.csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["ACME-1", "o1", "", "C-1", "a=b", "50 %", "2025-10-01T09:00:00+05:30", "'already quoted"]
)
def test_csv_cell_leaves_other_text_alone(value):
    assert exports.csv_cell(value) == value


@pytest.mark.parametrize("value", [-5, -0.5, Decimal("-12.50"), 0, 3, True, False, None])
def test_numbers_stay_numbers(value):
    """A negative figure is a number, not text: written as is (csv writes -5, a spreadsheet reads
    the number -5)."""
    assert exports.csv_cell(value) is value


def test_safe_csv_writer_and_dict_writer_neutralise_every_text_cell():
    out = io.StringIO()
    writer = exports.SafeCsvWriter(out)
    writer.writerow(["id", "value"])
    writer.writerows([[HYPERLINK, -5], ["-5", 2.5]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["id", "value"],
        ["'" + HYPERLINK, "-5"],
        ["'-5", "2.5"],
    ]
    out = io.StringIO()
    dict_writer = exports.SafeCsvDictWriter(out, fieldnames=["a", "b"])
    dict_writer.writeheader()
    dict_writer.writerows([{"a": "@cmd", "b": -1}])
    assert out.getvalue().splitlines() == ["a,b", "'@cmd,-1"]


def test_xlsx_text_stores_a_string_never_a_formula(tmp_path):
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    exports.xlsx_text(ws["A1"], HYPERLINK)
    exports.xlsx_text(ws["A2"], "plain")
    exports.xlsx_value(ws["A3"], -5)
    ws["A4"] = "=1+1"  # written raw: openpyxl makes it a formula, neutralise_workbook undoes that
    assert ws["A4"].data_type == "f"
    exports.save_workbook(wb, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert (ws["A1"].value, ws["A1"].data_type, ws["A1"].quotePrefix) == (HYPERLINK, "s", True)
    assert (ws["A2"].value, ws["A2"].data_type) == ("plain", "s")
    assert (ws["A3"].value, ws["A3"].data_type) == (-5, "n")
    assert (ws["A4"].value, ws["A4"].data_type, ws["A4"].quotePrefix) == ("=1+1", "s", True)


NASTY_NAME = '<script>alert("x")</script> O\'Brien \\ back\\slash; } @page { Ünïcødé Ωμέγα Жук € — =1+1'


@pytest.mark.parametrize("value", [NASTY_NAME, "", "a\x00b", "\U0001f600", "</style><b>", "\\00003C", "x\ny"])
def test_css_string_is_a_css_string_literal_that_reads_back_as_the_text(value):
    literal = exports.css_string(value)
    assert set(literal) <= set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\\"')
    tokens = [t for t in tinycss2.parse_component_value_list(literal) if t.type != "whitespace"]
    assert [t.type for t in tokens] == ["string"]
    assert tokens[0].value == value.replace("\x00", "\ufffd")


def test_css_string_filter_in_a_template():
    html = Template("{% load css %}<style>a { content: {{ name|css_string }}; }</style>").render(
        Context({"name": "</style><script>"})
    )
    assert html == '<style>a { content: "\\00003C\\00002Fstyle\\00003E\\00003Cscript\\00003E"; }</style>'


# --- every export door --------------------------------------------------------------------------------


def test_interaction_drill_down_csv_neutralises_external_id_and_customer_ref(alpha):
    p, a = alpha.process.code, alpha.agent.code
    rows = [
        row(value, f"2026-10-01T09:{n:02d}:00+05:30", process=p, agent=a, answered_at=f"2026-10-01T09:{n:02d}:10+05:30",
            ended_at=f"2026-10-01T09:{n:02d}:50+05:30", talk=30, customer=value)
        for n, value in enumerate(["=1+1", "+cmd", "-5", "@SUM(A1)", HYPERLINK])
    ]  # fmt: skip
    load(rows)
    response = _as(alpha.ops).get(
        reverse("dashboards:interactions"),
        {"period": "custom", "start": "2026-10-01", "end": "2026-10-31", "process": p, "format": "csv"},
    )
    assert response.status_code == 200
    parsed = _assert_csv_neutral(b"".join(response.streaming_content).decode())
    header, body = parsed[0], parsed[1:]
    records = [dict(zip(header, line, strict=True)) for line in body]
    assert sorted(r["external_id"] for r in records) == sorted(
        "'" + v for v in ["=1+1", "+cmd", "-5", "@SUM(A1)", HYPERLINK]
    )
    assert all(r["customer_ref"] == r["external_id"] for r in records)
    # Numbers are still plain numbers.
    assert {r["talk_seconds"] for r in records} == {"30"}
    assert {float(r["wait_seconds"]) for r in records} == {10.0}


AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def hostile_item(alpha):
    item = WorkItemFactory(process=alpha.process, title=HYPERLINK, received_at=AT)
    for n, value in enumerate(HOSTILE):
        WorkItemEvent.objects.create(
            work_item=item, at=AT.replace(minute=n), actor=alpha.team_leader, kind=EventKind.UPDATED, note=value
        )
    return item


def test_work_item_audit_csv_neutralises_title_and_notes(alpha, hostile_item):
    response = _as(alpha.team_leader).get(reverse("work:audit_csv", args=[hostile_item.pk]))
    assert response.status_code == 200
    parsed = _assert_csv_neutral(response.content.decode())
    header, body = parsed[0], parsed[1:]
    notes = [dict(zip(header, line, strict=True))["note"] for line in body]
    assert sorted(notes) == sorted("'" + v for v in HOSTILE)
    assert {dict(zip(header, line, strict=True))["title"] for line in body} == {"'" + HYPERLINK}
    assert {dict(zip(header, line, strict=True))["item"] for line in body} == {str(hostile_item.pk)}


def test_work_changes_csv_neutralises_title_and_notes(alpha, hostile_item):
    day = AT.astimezone(ZoneInfo(alpha.process.timezone)).date().isoformat()
    response = _as(alpha.team_leader).get(reverse("work:changes"), {"export": "csv", "date": day})
    assert response.status_code == 200
    parsed = _assert_csv_neutral(response.content.decode())
    header, body = parsed[0], parsed[1:]
    assert sorted(dict(zip(header, line, strict=True))["note"] for line in body) == sorted("'" + v for v in HOSTILE)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def _download(user, report, fmt) -> bytes:
    response = api_as(user).get(reverse(f"report-file-{fmt}", kwargs={"pk": report.pk}))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_report_csv_writer_neutralises_text_and_keeps_numbers(alpha, tmp_path):
    """The report CSV carries codes (which start with a letter or digit) and numbers today; the
    writer neutralises anyway, so a code that reached the database unvalidated cannot inject."""
    october(alpha)
    targets(alpha)
    data = report_data_build(client=alpha.client, month=OCT)
    data.client.code = "=1+2"  # in memory only: the model's validator refuses it
    path = tmp_path / "r.csv"
    render.write_csv(data, path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    _assert_csv_neutral(path.read_text(encoding="utf-8"))
    assert {r["client"] for r in rows} == {"'=1+2"}
    values = [r["value"] for r in rows if r["value"]]
    assert len(values) > 50 and [float(v) for v in values]  # still plain numbers (a "'" would not parse)


def test_report_xlsx_and_pdf_show_a_hostile_client_name_as_text(alpha, media):
    from openpyxl import load_workbook

    october(alpha)
    targets(alpha)
    alpha.client.name = HYPERLINK
    alpha.client.save()
    report = report_generate(client=alpha.client, month=OCT, notify=False).report
    workbook = load_workbook(io.BytesIO(_download(alpha.client_user, report, "xlsx")))
    a1 = workbook["Summary"]["A1"]
    assert a1.data_type == "s" and a1.value.startswith(HYPERLINK) and a1.quotePrefix
    numbers = 0
    for sheet in workbook.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and _formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                numbers += isinstance(cell.value, int | float)
    assert numbers > 50  # figures and components are still numbers
    _assert_csv_neutral(_download(alpha.client_user, report, "csv").decode())


def _pdf_text(content: bytes) -> str:
    return pdf_text(content)


def test_pdf_page_header_prints_the_client_name_literally(alpha, media):
    name = '<script>alert("x")</script> O\'Brien \\ C:\\dir; } Ünïcødé Ωμέγα Жук €'
    october(alpha)
    targets(alpha)
    alpha.client.name = name
    alpha.client.save()
    report = report_generate(client=alpha.client, month=OCT, notify=False).report
    text = _pdf_text(_download(alpha.client_user, report, "pdf"))
    header = f"{name} · SLA report October 2025"
    pages = text.split("\f")
    assert len(pages) > 2
    # Every page after the cover carries the header, with the name as typed.
    assert all(header in page for page in pages[1:] if page.strip()), pages[1][:300]
    assert "u003C" not in text and "\\00003C" not in text


# --- no writer around the helper ----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# Files that write CSV for the portal to read back, not for people to open: the import template
# (codes, which start with a letter or digit, and generated ids; a "'" would change what imports)
# and the demo seed's import files.
INPUT_WRITERS = {"processes/imports/template.py", "demo/management/commands/seed_demo.py"}


def test_every_csv_and_xlsx_writer_goes_through_the_export_helper():
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or relative == "bpo_portal/exports.py":
            continue
        source = path.read_text(encoding="utf-8")
        raw_csv = "csv.writer(" in source or "csv.DictWriter(" in source
        if raw_csv and relative not in INPUT_WRITERS:
            offenders.append(f"{relative}: csv.writer/DictWriter instead of bpo_portal.exports.SafeCsvWriter")
        if "Workbook(" in source and "save_workbook(" not in source:
            offenders.append(f"{relative}: a workbook saved without bpo_portal.exports.save_workbook")
    assert not offenders, offenders
