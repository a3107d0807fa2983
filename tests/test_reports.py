"""Monthly client reports: the same figures in PDF, XLSX and CSV as in the API, versions and
regeneration, failure keeps the previous version served, downloads only within scope and
recorded, beat schedule, emails, SLA breach alerts once per change of state."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from reporting import kpis
from reporting.models import DailyKpi
from sla.models import Report, ReportDownload, ReportStatus, ReportVersion, SlaAlert
from sla.reports import render
from sla.reports.data import REPORT_METRICS, fmt
from sla.reports.services import report_generate
from tests.conftest import api_as
from tests.test_sla_api import MONTH, october, targets

pytestmark = pytest.mark.django_db

OCT = date(2025, 10, 1)
METRIC_LABELS = {m.key: m.label for m in REPORT_METRICS}
METRIC_UNITS = {m.key: m.unit for m in REPORT_METRICS}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def report(alpha):
    october(alpha)
    targets(alpha)
    alpha.client.monthly_fee = Decimal("10000.00")
    alpha.client.credit_cap_percent = Decimal("6.00")
    alpha.client.save()
    return report_generate(client=alpha.client, month=OCT, notify=False).report


def _download(user, report, fmt, **params):
    response = api_as(user).get(reverse(f"report-file-{fmt}", kwargs={"pk": report.pk}), params)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def pdf_text(content: bytes) -> str:
    """The PDF's text, each table row on one line and the pages separated by form feeds, as
    poppler's pdftotext prints it (pypdf's layout mode, pinned in requirements-dev.txt): no
    system tool is needed."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(content)).pages
    return "\f".join(page.extract_text(extraction_mode="layout") for page in pages)


def _api_results(alpha):
    response = api_as(alpha.client_user).get("/api/v1/sla/", {"client": "ALPHA", "month": MONTH})
    return response.json()


# --- the same numbers everywhere -------------------------------------------------------------------


def test_pdf_xlsx_and_csv_carry_the_apis_figures(alpha, report):
    from openpyxl import load_workbook

    api = _api_results(alpha)
    results = api["results"]
    assert len(results) == 6
    pdf = pdf_text(_download(alpha.client_user, report, "pdf"))
    workbook = load_workbook(io.BytesIO(_download(alpha.client_user, report, "xlsx")))
    rows = list(csv.DictReader(io.StringIO(_download(alpha.client_user, report, "csv").decode())))

    summary = workbook["Summary"]
    xlsx_rows = {}
    for cells in summary.iter_rows(values_only=True):
        if cells[0] in (alpha.process.code, alpha.process2.code) and cells[1] in METRIC_LABELS.values():
            xlsx_rows[(cells[0], cells[1])] = cells
    csv_month = {(r["process"], r["metric"]): r for r in rows if r["period"] == "month"}

    for result in results:
        process, metric, actual = result["process"], result["metric"], result["actual"]
        label, unit = METRIC_LABELS[metric], METRIC_UNITS[metric]
        # PDF: the executive summary row of the target prints the same value.
        assert any(process in line and label in line and fmt(actual, unit) in line for line in pdf.splitlines()), (
            process,
            metric,
            fmt(actual, unit),
        )
        # XLSX: a real number (not text), equal at the published precision, with a number format
        # (bpo_portal.units: percentages as fractions, durations as days).
        cells = xlsx_rows[(process, label)]
        if actual is None:
            assert cells[4] is None
        else:
            # openpyxl reads a cell with an elapsed-time format back as a timedelta.
            value = cells[4].total_seconds() if unit == "s" else cells[4] * (100 if unit == "%" else 1)
            assert isinstance(value, int | float) and round(value, 2) == actual
        assert cells[6] == (None if result["met"] is None else ("yes" if result["met"] else "no"))
        # CSV: the monthly row.
        row = csv_month[(process, metric)]
        assert row["value"] == ("" if actual is None else f"{actual:g}")
        assert row["met"] == ("" if result["met"] is None else str(result["met"]).lower())
        assert row["comparator"] == result["comparator"]
    # Credits: capped 6 % of 10,000 in all three.
    assert api["credits"]["credit_percent"] == 6.0 and api["credits"]["amount"] == 600.0
    assert "6.0 %" in pdf and "USD 600.00" in pdf
    values = {summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value for r in range(1, 20)}
    assert values["Service credit (% of fee)"] == 0.06
    assert values["Service credit amount"] == 600.0
    assert values["Currency (ISO 4217)"] == "USD"
    assert values["KPI definition version"] == kpis.KPI_DEFINITION_VERSION


def test_daily_figures_agree_with_the_kpi_api_and_the_appendix_reproduces_the_month(alpha, report):
    from openpyxl import load_workbook

    rows = list(csv.DictReader(io.StringIO(_download(alpha.ops, report, "csv").decode())))
    daily = api_as(alpha.ops).get(
        "/api/v1/kpis/", {"process": alpha.process.code, "start": "2025-10-01", "end": "2025-10-31", "group_by": "day"}
    )
    by_day = {r["day"]: r for r in daily.json()["results"]}
    csv_day = {
        (r["date"], r["metric"]): r["value"]
        for r in rows
        if r["period"] == "day" and r["process"] == alpha.process.code
    }
    for day, result in by_day.items():
        for metric in ("service_level", "aht", "abandon_rate", "fcr", "csat"):
            expected = "" if result[metric] is None else f"{result[metric]:g}"
            assert csv_day[(day, metric)] == expected, (day, metric)
        assert csv_day[(day, "offered")] == str(result["offered"])
    # Monthly service level recomputed from the daily components of the appendix (CSV and XLSX).
    numerator = sum(int(v) for (d, m), v in csv_day.items() if m == "sl_numerator")
    denominator = sum(int(v) for (d, m), v in csv_day.items() if m == "sl_denominator")
    sl = next(
        r
        for r in _api_results(alpha)["results"]
        if r["metric"] == "service_level" and r["process"] == alpha.process.code
    )
    assert round(numerator * 100 / denominator, 2) == sl["actual"] == 50.0
    sheet = load_workbook(io.BytesIO(_download(alpha.ops, report, "xlsx")))[alpha.process.code]
    header_row = next(r for r in range(1, 60) if sheet.cell(row=r, column=1).value == "Date")
    columns = {sheet.cell(row=header_row, column=c).value: c for c in range(1, 40)}
    day1 = sheet.cell(row=header_row + 1, column=1).value
    assert day1.date() == date(2025, 10, 1)
    assert sheet.cell(row=header_row + 1, column=columns["offered"]).value == 4
    assert sheet.cell(row=header_row + 1, column=columns["offered"]).number_format == "#,##0"
    month_row = header_row + 32
    assert sheet.cell(row=month_row, column=1).value == "Month"
    assert sheet.cell(row=month_row, column=columns["sl_numerator"]).value == numerator


def test_version_records_definition_version_and_newest_component_time(alpha, report):
    version = report.current
    newest = DailyKpi.objects.filter(client=alpha.client, local_date__month=10, local_date__year=2025).aggregate(
        m=Max("computed_at")
    )["m"]
    assert version.kpi_definition_version == kpis.KPI_DEFINITION_VERSION
    assert version.figures_computed_at == newest
    detail = api_as(alpha.client_user).get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["kpi_definition_version"] == kpis.KPI_DEFINITION_VERSION
    assert detail["status"] == "ready" and detail["month"] == MONTH and detail["client"] == "ALPHA"
    assert set(detail["files"]) == {"pdf", "xlsx", "csv"}


# --- versions, failures --------------------------------------------------------------------------------


def test_regenerating_twice_leaves_one_current_version(alpha, report, django_capture_on_commit_callbacks):
    api = api_as(alpha.ops)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"/api/v1/reports/{report.pk}/")
        assert response.status_code == 202
    report.refresh_from_db()
    assert Report.objects.filter(client=alpha.client, month=OCT).count() == 1
    assert list(report.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert report.current.number == 3 and report.status == ReportStatus.READY
    assert report.current.created_by == alpha.ops
    # Older versions keep their own files (history); the current one is served by default.
    first = report.versions.get(number=1)
    assert (Path(settings.MEDIA_ROOT) / first.pdf).is_file()
    assert _download(alpha.ops, report, "csv") == (Path(settings.MEDIA_ROOT) / report.current.csv).read_bytes()
    assert _download(alpha.ops, report, "csv", version=1) == (Path(settings.MEDIA_ROOT) / first.csv).read_bytes()


def test_post_reports_creates_and_generates(alpha, django_capture_on_commit_callbacks):
    october(alpha)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(alpha.ops).post("/api/v1/reports/", {"client": "ALPHA", "month": MONTH}, format="json")
    assert response.status_code == 202
    report = Report.objects.get(client=alpha.client, month=OCT)
    assert report.status == ReportStatus.READY and report.current.trigger == "api"
    bad = api_as(alpha.ops).post("/api/v1/reports/", {"client": "BRAVO", "month": "2025-13"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"client", "month"}
    assert api_as(alpha.client_user).post("/api/v1/reports/", {"client": "ALPHA", "month": MONTH}).status_code == 403


def test_failed_generation_keeps_the_previous_version_served(alpha, report, monkeypatch, media):
    served = _download(alpha.client_user, report, "pdf")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(render, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        report_generate(client=alpha.client, month=OCT)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "disk full" in report.error
    assert report.current.number == 1 and ReportVersion.objects.filter(report=report).count() == 1
    assert _download(alpha.client_user, report, "pdf") == served
    # No half-written files left behind.
    leftovers = [p for p in media.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert api_as(alpha.ops).get(f"/api/v1/reports/{report.pk}/").json()["status"] == "failed"


def test_generation_task_retries_automatically():
    from sla.tasks import generate_report

    assert Exception in generate_report.autoretry_for
    assert generate_report.retry_kwargs["max_retries"] >= 1


# --- access -------------------------------------------------------------------------------------------


def test_client_user_cannot_list_or_download_other_clients_report(alpha, bravo, report):
    other = report_generate(client=bravo.client, month=OCT, notify=False).report
    api = api_as(alpha.client_user)
    listed = api.get("/api/v1/reports/").json()
    assert [r["client"] for r in listed["results"]] == ["ALPHA"]
    assert api.get(f"/api/v1/reports/{other.pk}/").status_code == 404
    for fmt_ in ("pdf", "xlsx", "csv"):
        assert api.get(f"/api/v1/reports/{other.pk}/{fmt_}/").status_code == 404
        assert api.get(f"/api/v1/reports/{other.pk}/{fmt_}/", {"version": 1}).status_code == 404
        assert api.get(f"/api/v1/reports/{other.pk + 1000}/{fmt_}/").status_code == 404  # same answer as unknown
    assert api.get(f"/api/v1/reports/{other.pk}/", {"format": "json"}).status_code == 404
    assert ReportDownload.objects.filter(version__report=other).count() == 0
    # The ops manager of ALPHA cannot regenerate BRAVO's either.
    assert api_as(alpha.ops).post(f"/api/v1/reports/{other.pk}/").status_code == 404
    # And files are never under a public URL.
    browser = Client()
    browser.force_login(alpha.client_user)
    assert browser.get("/media/" + other.current.pdf).status_code == 404


def test_downloads_are_recorded(alpha, report):
    _download(alpha.client_user, report, "xlsx")
    (download,) = ReportDownload.objects.all()
    assert (download.user, download.fmt, download.version) == (alpha.client_user, "xlsx", report.current)


def test_portal_lists_the_clients_reports_with_three_download_links(client, alpha, bravo, report):
    report_generate(client=bravo.client, month=OCT, notify=False)
    client.force_login(alpha.client_user)
    page = client.get(reverse("dashboards:portal")).content.decode()
    assert 'data-testid="portal-reports"' in page
    for fmt_ in ("pdf", "xlsx", "csv"):
        assert reverse(f"report-file-{fmt_}", kwargs={"pk": report.pk}) in page
    assert "October 2025" in page
    assert "bravo" not in page.lower()


def test_staff_page_lists_reports_and_detail_links_figures_to_interactions(
    client, alpha, report, django_capture_on_commit_callbacks
):
    client.force_login(alpha.ops)
    page = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:detail", kwargs={"pk": report.pk}) in page
    detail = client.get(reverse("reports:detail", kwargs={"pk": report.pk})).content.decode()
    link = f"{reverse('dashboards:interactions')}?process={alpha.process.code}&amp;period=custom&amp;start=2025-10-01&amp;end=2025-10-31"
    assert link in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:regenerate", kwargs={"pk": report.pk}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.current.number == 2


def test_client_user_is_emailed_when_a_report_is_ready(alpha, django_capture_on_commit_callbacks):
    october(alpha)
    alpha.client_user.email = "cfo@alpha.example"
    alpha.client_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        report_generate(client=alpha.client, month=OCT)
    assert [m.to for m in mail.outbox] == [["cfo@alpha.example"]]
    assert "October 2025" in mail.outbox[0].subject
    from sla.reports.services import report_email_preference_set

    report_email_preference_set(user=alpha.client_user, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        report_generate(client=alpha.client, month=OCT)
    assert len(mail.outbox) == 1


def test_generate_reports_command(alpha, bravo):
    october(alpha)
    out = io.StringIO()
    call_command("generate_reports", "--month", MONTH, "--client", "alpha", stdout=out)
    assert "ALPHA 2025-10: version 1" in out.getvalue()
    assert not Report.objects.filter(client=bravo.client).exists()


# --- schedule -----------------------------------------------------------------------------------------


def test_beat_schedule_has_monthly_reports_and_sla_alerts():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reporting.generate_due_reports", "reporting.evaluate_sla_alerts"} <= tasks
    from bpo_portal.celery import app

    app.loader.import_default_modules()
    assert {"reporting.generate_report", "reporting.generate_due_reports", "reporting.evaluate_sla_alerts"} <= set(
        app.tasks
    )


def test_due_reports_follow_each_clients_local_first_of_month(alpha, bravo, monkeypatch, settings):
    from django.utils import timezone

    from sla.tasks import generate_due_reports

    settings.REPORTS_HOUR = 6
    # 1 Nov 2025 07:00 in Kolkata is still 31 Oct in New York (BRAVO).
    moment = datetime(2025, 11, 1, 7, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert generate_due_reports() == ["ALPHA 2025-10"]
    assert generate_due_reports() == []  # already there: idempotent
    assert Report.objects.get(client=alpha.client).month == OCT


# --- SLA alerts ---------------------------------------------------------------------------------------


def test_breach_alert_is_emailed_once_per_state_change(alpha, ops_all):
    from processes.models import SLATarget
    from sla.alerts import sla_alerts_evaluate

    october(alpha)
    SLATarget.objects.filter(process__client=alpha.client).delete()
    target = SLATarget.objects.create(process=alpha.process, metric="service_level", comparator=">=", target=90)
    alpha.ops.email = "ops@bpo.example"
    alpha.ops.save()
    ops_all.email = "all@bpo.example"
    ops_all.save()
    now = datetime(2025, 10, 3, 12, tzinfo=ZoneInfo("UTC"))

    sla_alerts_evaluate(now=now)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["all@bpo.example", "ops@bpo.example"]
    assert "SLA" in mail.outbox[0].subject and alpha.process.code in mail.outbox[0].subject
    alert = SlaAlert.objects.get(month=OCT)
    assert alert.state in ("at_risk", "missed") and alert.notified == 2

    sla_alerts_evaluate(now=now)  # recomputed, nothing changed: no second email
    assert len(mail.outbox) == 1

    target.target = 10
    target.save()
    sla_alerts_evaluate(now=now)  # back to met: recorded, no email
    assert SlaAlert.objects.get(month=OCT).state == "met" and len(mail.outbox) == 1

    target.target = 90
    target.save()
    sla_alerts_evaluate(now=now)  # turned bad again: a new email
    assert len(mail.outbox) == 2


def test_alerts_are_listed_for_ops_and_noticed_on_the_overview(client, alpha):
    from processes.models import SLATarget
    from sla.alerts import sla_alerts_evaluate
    from sla.compliance import local_today

    SLATarget.objects.filter(process__client=alpha.client).delete()
    SLATarget.objects.create(process=alpha.process, metric="service_level", comparator=">=", target=90)
    today = local_today(alpha.process)
    SlaAlert.objects.create(
        process=alpha.process,
        metric="service_level",
        month=today.replace(day=1),
        state="missed",
        actual=50.0,
        projected=55.0,
        target=90,
        comparator=">=",
        changed_at=datetime.now(ZoneInfo("UTC")),
    )
    assert sla_alerts_evaluate is not None
    client.force_login(alpha.ops)
    page = client.get(reverse("reports:list")).content.decode()
    assert 'data-testid="sla-alerts"' in page and alpha.process.code in page
    overview = client.get(reverse("dashboards:overview")).content.decode()
    assert 'data-testid="sla-alert-notice"' in overview
