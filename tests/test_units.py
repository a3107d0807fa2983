"""One formatting of every unit (bpo_portal.units), the same in a page, the PDF, XLSX and CSV,
and the words a client reads: credit if missed / owed, formulas in words, no file names of the
repository, accuracy only where back-office items were audited, the contract's currency."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from bpo_portal import metrics, units
from processes.models import Interaction, SLATarget
from quality import selectors as quality_selectors
from reporting.models import DailyKpi
from sla.reports import render
from sla.reports.data import report_data_build
from sla.reports.services import report_generate
from tests.conftest import api_as
from tests.quality_fixtures import build as build_quality
from tests.test_reports import _download, media, pdf_text  # noqa: F401 - the MEDIA_ROOT fixture

pytestmark = pytest.mark.django_db

OCT = date(2025, 10, 1)
# Early November 2025: October is a finished month (no projection), whatever today's date is.
AFTER_OCTOBER = datetime(2025, 11, 5, 9, 0, tzinfo=UTC)
REPO_FILE_NAMES = re.compile(r"KPIS\.md|IMPORT_FORMAT\.md|ROLES\.md|API\.md|WFM\.md|STYLE\.md|\b\w+\.py\b")


# --- the rules, one by one ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (9.4, "0:09"), (59.5, "1:00"), (346, "5:46"), (612.21, "10:12"), (1145, "19:05"),
     (3599.4, "59:59"), (3599.6, "1:00:00"), (4752.68, "1:19:13"), (90061, "25:01:01"), (None, "—")],
)  # fmt: skip
def test_durations_read_m_ss_below_an_hour_and_h_mm_ss_above(seconds, text):
    assert units.duration(seconds) == text


def test_percentages_gaps_comparators_scores_counts():
    assert units.percent(81.44) == "81.4 %"
    assert units.percent(81.45) == "81.5 %"  # half up, not banker's rounding
    assert units.percent(None) == "—"
    assert units.percent(Decimal("2.25"), exact=True) == "2.25 %"  # a contract's rate is never rounded away
    assert units.percent(3, exact=True) == "3.0 %"
    assert units.pp(-2.94) == "−2.9 pp" and units.pp(1) == "+1.0 pp" and units.pp(-0.01) == "0.0 pp"
    assert units.gap(-4722.68, units.DURATION) == "−1:18:43"
    assert units.gap(55, units.DURATION) == "+0:55"
    assert units.gap(-1.25, units.SCORE) == "−1.3 pts"
    assert units.comparator(">=") == "≥" and units.comparator("<=") == "≤"
    assert metrics.metric_target(">=", Decimal("84.30"), "service_level") == "≥ 84.3 %"
    assert metrics.metric_target(">=", Decimal("99.95"), "service_level") == "≥ 99.95 %"
    assert metrics.metric_target("<=", 30, "asa") == "≤ 0:30"
    assert units.score(92.25) == "92.3"
    assert units.count(12345) == "12,345" and units.count(123.6) == "124"
    assert metrics.metric_figure(4.256, "csat_mean") == "4.26"


def test_money_carries_its_iso_4217_currency():
    assert units.money(Decimal("12500"), "USD") == "USD 12,500.00"
    assert units.money(Decimal("1250000"), "JPY") == "JPY 1,250,000"  # no minor unit
    assert units.money(Decimal("12.5"), "KWD") == "KWD 12.500"
    assert units.money(None, "EUR") == "—"
    units.validate_currency("INR")
    for wrong in ("usd", "US", "XYZ", "", "EURO"):
        with pytest.raises(ValidationError, match="ISO 4217"):
            units.validate_currency(wrong)


def test_xlsx_cells_are_durations_and_percentages():
    assert units.xlsx_cell(1145, units.DURATION) == (1145 / 86400, "[m]:ss")
    assert units.xlsx_cell(4752.68, units.DURATION) == (4752.68 / 86400, "[h]:mm:ss")
    assert units.xlsx_cell(81.44, units.PERCENT) == (pytest.approx(0.8144), "0.0%")
    assert units.xlsx_cell(None, units.PERCENT) == (None, "0.0%")
    assert units.xlsx_gap_cell(-2.94, units.PERCENT) == (-2.94, units.XLSX_PP)
    assert units.csv_number(4752.684) == 4752.68 and units.csv_number(1145.0) == 1145 and units.csv_number(None) == ""


def test_formulas_in_words_take_the_process_settings(alpha):
    process = alpha.process
    process.sl_threshold_seconds, process.sl_formula, process.fcr_window_days = 20, "standard", 7
    assert metrics.METRICS["service_level"].words(process) == "answered within 20 s ÷ (answered + abandoned)"
    process.sl_formula = "exclude_early_abandons"
    assert metrics.METRICS["service_level"].words(process) == (
        "answered within 20 s ÷ (answered + abandoned − abandoned within 20 s)"
    )
    assert "within 7 days" in metrics.METRICS["fcr"].words(process)
    assert "within the threshold" in metrics.METRICS["service_level"].words(None)
    for definition in metrics.select(*metrics.READING_ORDER):
        assert not re.search(r"[a-z]+_[a-z]+", definition.words(process)), definition.name  # no identifiers


# --- one month, four renderings --------------------------------------------------------------------------


@pytest.fixture
def month(alpha):
    """October 2025 of ALPHA-VOICE as stored components: AHT 1,145 s (19:05), ASA 4,752.68 s
    (1:19:13), service level 509 of 625 = 81.44 % against a target of 84.3 % (gap −2.86 pp,
    missed: 3 % credit owed); AHT target ≤ 1,200 s met (credit 2 % if missed, not owed)."""
    client = alpha.client
    client.monthly_fee, client.currency, client.credit_cap_percent = Decimal("12500.00"), "USD", None
    client.save()
    process = alpha.process
    process.sl_threshold_seconds, process.sl_formula = 20, "standard"
    process.save()
    DailyKpi.objects.create(
        process=process, client=client, local_date=date(2025, 10, 7), offered=625, answered=625, handled=625,
        handle_seconds=715_625, wait_seconds=2_970_425.0, answered_within=509, sl_numerator=509,
        sl_denominator=625, computed_at=AFTER_OCTOBER,
    )  # fmt: skip
    SLATarget.objects.filter(process__client=client).delete()
    SLATarget.objects.create(
        process=process, metric="service_level", comparator=">=", target=Decimal("84.3"), credit_percent=Decimal("3")
    )
    SLATarget.objects.create(process=process, metric="aht", comparator="<=", target=1200, credit_percent=2)
    return alpha  # fmt: skip


@pytest.fixture
def generated(month):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        return report_generate(client=month.client, month=OCT, notify=False).report


def test_the_same_figures_in_a_page_the_pdf_xlsx_and_csv(client, month, generated):
    from openpyxl import load_workbook

    alpha = month
    # The page: the staff report page and the client's portal for October.
    client.force_login(alpha.ops)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        page = client.get(reverse("reports:detail", args=[generated.pk])).content.decode()
        client.force_login(alpha.client_user)
        portal = client.get(
            reverse("dashboards:portal"), {"period": "custom", "start": "2025-10-01", "end": "2025-10-31"}
        ).content.decode()
    for text in ("19:05", "1:19:13", "81.4 %", "≥ 84.3 %", "≤ 20:00"):
        assert text in page, text
    for text in ("81.4 %", "19:05", "≥ 84.3 %", "Average handle time ≤ 20:00"):
        assert text in portal, text
    assert "1145" not in page and "4,752.68" not in page and "4752.68" not in page

    # The PDF: the summary row of the missed target with its gap in points and the credit owed.
    pdf = pdf_text(_download(alpha.client_user, generated, "pdf"))
    sl_row = next(line for line in pdf.splitlines() if "ALPHA-VOICE" in line and "Service level" in line)
    assert re.search(r"≥ 84\.3 %\s+81\.4 %\s+−2\.9 pp\s+Missed\s+3\.0 %\s+3\.0 %", sl_row), sl_row
    aht_row = next(line for line in pdf.splitlines() if "ALPHA-VOICE" in line and "Average handle time" in line)
    assert re.search(r"≤ 20:00\s+19:05\s+\+0:55\s+Met\s+2\.0 %\s+—", aht_row), aht_row
    assert "1:19:13" in pdf  # ASA in the month's figures
    assert "USD 12,500.00" in pdf and "USD 375.00" in pdf  # the fee and 3 % of it, with the currency
    # No gap printed as a percentage: in every summary row, the gap (the figure before the state)
    # is in points or a signed duration.
    states = [re.search(r"(\S+(?: pp)?)\s+(Met|Missed|At risk)\s", line) for line in pdf.splitlines()]
    gaps = [found.group(1) for found in states if found]
    assert len(gaps) >= 2 and "−2.9 pp" in gaps and "+0:55" in gaps, gaps
    assert not [gap for gap in gaps if gap.endswith("%")], gaps

    # XLSX: numbers with number formats; durations as Excel durations, percentages as Excel percentages.
    workbook = load_workbook(io.BytesIO(_download(alpha.client_user, generated, "xlsx")))
    summary = workbook["Summary"]
    header = next(r for r in summary.iter_rows() if r[0].value == "Process")
    columns = {cell.value: cell.column for cell in header}
    rows = {r[1].value: r for r in summary.iter_rows(min_row=header[0].row + 1) if r[0].value == "ALPHA-VOICE"}
    sl = rows["Service level"]
    actual, gap = sl[columns["Actual"] - 1], sl[columns["Gap"] - 1]
    assert actual.value == pytest.approx(0.8144) and actual.number_format == "0.0%"
    assert gap.value == pytest.approx(-2.86) and gap.number_format == units.XLSX_PP
    assert sl[columns["Comparator"] - 1].value == "≥"
    assert sl[columns[render.CREDIT_OWED] - 1].value == pytest.approx(0.03)
    aht = rows["Average handle time"]
    assert aht[columns["Actual"] - 1].value == timedelta(seconds=1145)  # openpyxl reads durations as timedelta
    assert aht[columns["Actual"] - 1].number_format == "[m]:ss"
    assert aht[columns[render.CREDIT_IF_MISSED] - 1].value == pytest.approx(0.02)
    assert aht[columns[render.CREDIT_OWED] - 1].value is None  # met: nothing owed
    sheet = workbook["ALPHA-VOICE"]
    asa = next(r for r in sheet.iter_rows() if r[0].value == "Average speed of answer")
    assert asa[1].value == timedelta(seconds=4752.68) and asa[1].number_format == "[h]:mm:ss"
    assert "answered within 20 s ÷ (answered + abandoned)" in [r[2].value for r in sheet.iter_rows()]
    values = {r[0].value: r[1] for r in summary.iter_rows() if r[0].value}
    assert values["Monthly fee"].value == 12500 and values["Monthly fee"].number_format == '"USD "#,##0.00'

    # CSV: plain seconds and percentages.
    rows = list(csv.DictReader(io.StringIO(_download(alpha.client_user, generated, "csv").decode())))
    month_rows = {r["metric"]: r for r in rows if r["period"] == "month" and r["process"] == "ALPHA-VOICE"}
    assert (month_rows["aht"]["value"], month_rows["aht"]["unit"]) == ("1145", "s")
    assert (month_rows["asa"]["value"], month_rows["asa"]["unit"]) == ("4752.68", "s")
    assert (month_rows["service_level"]["value"], month_rows["service_level"]["unit"]) == ("81.44", "%")
    assert month_rows["service_level"]["comparator"] == ">="  # the machine form in the machine file


def test_credit_is_owed_only_where_a_target_is_missed_and_zero_counts_are_not_red(month):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        data = report_data_build(client=month.client, month=OCT)
    context = render.pdf_context(data)
    rows = {r["code"]: r for r in context["summary_rows"]}
    assert (rows["service_level"]["credit_if_missed"], rows["service_level"]["credit_owed"]) == ("3.0 %", "3.0 %")
    assert (rows["aht"]["credit_if_missed"], rows["aht"]["credit_owed"]) == ("2.0 %", "—")
    html = render_to_string("sla/pdf/report.html", context)
    assert '<div class="v missed">1</div><div class="l">target missed</div>' in html
    # Every target met: the "0 missed" count is not printed in the colour of a miss.
    SLATarget.objects.filter(process=month.process, metric="service_level").update(target=80)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        html = render_to_string(
            "sla/pdf/report.html", render.pdf_context(report_data_build(client=month.client, month=OCT))
        )
    assert '<div class="v">0</div><div class="l">targets missed</div>' in html
    assert "Credit owed" in html and "Credit if missed" in html


def test_no_file_names_of_the_repository_in_pages_or_the_pdf(client, month, generated):
    pdf = pdf_text(_download(month.client_user, generated, "pdf"))
    assert not REPO_FILE_NAMES.search(pdf), REPO_FILE_NAMES.search(pdf)
    assert "sl_numerator ÷" not in pdf and "answered within 20 s ÷ (answered + abandoned)" in pdf
    pages = {
        month.ops: [
            reverse("reports:detail", args=[generated.pk]),
            reverse("reports:list"),
            reverse("dashboards:process", args=[month.process.code]),
            reverse("dashboards:overview"),
            reverse("processes:imports"),
            reverse("clients:detail", args=[month.client.code]),
        ],
        month.client_user: [reverse("dashboards:portal"), reverse("dashboards:process", args=[month.process.code])],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            with time_machine.travel(AFTER_OCTOBER, tick=False):
                response = client.get(url)
            assert response.status_code == 200, url
            text = re.sub(r"<script.*?</script>|<[^>]+>", " ", response.content.decode(), flags=re.S)
            assert not REPO_FILE_NAMES.search(text), (url, REPO_FILE_NAMES.search(text))


def test_the_monthly_fee_shows_with_the_contracts_currency(client, month):
    month.client.currency = "EUR"
    month.client.save()
    client.force_login(month.ops)
    page = client.get(reverse("clients:detail", args=[month.client.code])).content.decode()
    assert "EUR 12,500.00" in page
    api = api_as(month.client_user).get(f"/api/v1/clients/{month.client.code}/").json()
    assert api["currency"] == "EUR" and api["monthly_fee"] == "12500.00"
    assert "currency" not in api_as(month.agent_user).get(f"/api/v1/clients/{month.client.code}/").json()


def test_a_currency_that_is_not_iso_4217_is_refused_with_its_reason(admin_user):
    response = api_as(admin_user).post(
        "/api/v1/clients/", {"code": "X9", "name": "X", "timezone": "UTC", "currency": "DOLLARS"}, format="json"
    )
    assert response.status_code == 400 and "currency" in response.json(), response.content
    response = api_as(admin_user).post(
        "/api/v1/clients/", {"code": "X9", "name": "X", "timezone": "UTC", "currency": "GBP"}, format="json"
    )
    assert response.status_code == 201 and response.json()["currency"] == "GBP"
    from clients.forms import ClientForm

    form = ClientForm(data={"code": "X8", "name": "Y", "timezone": "UTC", "currency": "inr"}, user=admin_user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["currency"] == "INR"


def test_accuracy_only_where_back_office_items_were_audited(alpha, bravo):
    data = build_quality(alpha)
    summary = {r["process"].code: r for r in quality_selectors.qa_summary_by_process(user=alpha.client_user)}
    assert summary["ALPHA-VOICE"]["qa_score"] is not None and summary["ALPHA-VOICE"]["accuracy"] is None
    # The same evaluation on a back-office item is an audit: accuracy is defined (it lost points: 0 %).
    Interaction.objects.filter(pk=data.evaluation.interaction_id).update(channel="backoffice")
    summary = {r["process"].code: r for r in quality_selectors.qa_summary_by_process(user=alpha.client_user)}
    assert summary["ALPHA-VOICE"]["accuracy"] == 0.0
