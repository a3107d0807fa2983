"""Reports that went out stay honest: when an issued report's figures differ from the current ones
(late data, new evaluations, a changed setting or target), staff see "figures changed since
issued" with the differences and a regenerate action; regenerating clears it; clients never see
the notice nor another client's anything; and the overview's SLA banner says which month it
counts, counting the same thing as the table beside it."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from processes.models import KpiMark, SLATarget
from reporting import engine
from sla.alerts import sla_alerts_evaluate
from sla.models import ReportVersion, SlaAlert
from sla.reports import selectors
from sla.reports.services import report_generate
from tests.kpi_helpers import load, row
from tests.test_sla_api import october, targets

pytestmark = pytest.mark.django_db

OCT = date(2025, 10, 1)
# Long after October 2025 ended: the reported month is closed whatever the real date is.
FROZEN = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def report(alpha):
    """ALPHA's October 2025 report as issued: SL 50 % (≥ 40 met), CSAT 50 % (≥ 60 missed), abandon
    rate 25 % (≤ 25 met), AHT 320 s (≤ 300 missed), the chat targets without data."""
    october(alpha)
    targets(alpha)
    return report_generate(client=alpha.client, month=OCT, notify=False).report


def late_abandon(alpha, external_id="late1"):
    """A late-arriving abandoned call of 10 October (waited 60 s): abandon rate 25 % → 40 %."""
    load(
        [
            row(
                external_id,
                "2025-10-10T10:00:00+05:30",
                process=alpha.process.code,
                abandoned=True,
                ended_at="2025-10-10T10:01:00+05:30",
                customer="C9",
            )
        ]
    )


def _detail(client, user, report):
    client.force_login(user)
    return client.get(reverse("reports:detail", kwargs={"pk": report.pk}))


def _differences(report):
    drift = selectors.report_drift(report)
    assert drift is not None
    return drift, {(d.process, d.kind, d.name): d for d in drift.differences}


# --- no change, no notice ------------------------------------------------------------------------------


def test_an_issued_report_that_still_holds_shows_no_notice(client, alpha, report):
    assert selectors.report_drift(report) is None
    page = _detail(client, alpha.ops, report).content.decode()
    assert 'data-testid="report-drift"' not in page and "Figures changed since issued" not in page
    listing = client.get(reverse("reports:list")).content.decode()
    assert 'data-testid="drift-badge"' not in listing and 'data-testid="drift-count"' not in listing


def test_a_recompute_that_changes_nothing_is_no_drift(alpha, report):
    """Stored components rewritten with a new computed_at but the same values: nothing to tell."""
    KpiMark.objects.bulk_create(
        [KpiMark(process=alpha.process, local_date=date(2025, 10, d), marked_at=FROZEN) for d in (1, 3)]
    )
    engine.recompute_marked()
    assert selectors.report_drift(report) is None


# --- what changes a report -----------------------------------------------------------------------------


def test_late_data_shows_each_changed_figure_issued_and_now_with_the_status_change(client, alpha, report):
    late_abandon(alpha)
    drift, diffs = _differences(report)
    voice = alpha.process.code
    abandon = diffs[(voice, "figure", "abandon_rate")]
    assert (abandon.issued, abandon.now) == (25.0, 40.0)
    assert (abandon.status_issued, abandon.status_now) == ("met", "missed")
    sl = diffs[(voice, "figure", "service_level")]
    assert (sl.issued, sl.now, sl.status_issued, sl.status_now) == (50.0, 40.0, "met", "met")
    assert (diffs[(voice, "volume", "offered")].issued, diffs[(voice, "volume", "offered")].now) == (5, 6)
    # CSAT and AHT did not move (no answered call was added): not listed.
    assert (voice, "figure", "csat") not in diffs and (voice, "figure", "aht") not in diffs
    assert (drift.summary_issued["met"], drift.summary_issued["missed"]) == (2, 2)
    assert (drift.summary_now["met"], drift.summary_now["missed"]) == (1, 3)
    assert drift.summary_issued["credit_percent"] == "8.00" and drift.summary_now["credit_percent"] == "9.00"

    page = _detail(client, alpha.ops, report).content.decode()
    assert 'data-testid="report-drift"' in page and "Figures changed since issued" in page
    assert 'data-process="ALPHA-VOICE" data-name="abandon_rate" data-kind="figure"' in page
    assert "2 met, 2 missed" in page and "1 met, 3 missed" in page
    # The regenerate action, a POST form with its CSRF token.
    panel = page[page.index('data-testid="report-drift"') :]
    form = panel[panel.index("<form") : panel.index("</form>")]
    assert 'method="post"' in form and reverse("reports:regenerate", kwargs={"pk": report.pk}) in form
    assert "csrfmiddlewaretoken" in form and "Regenerate as version 2" in form
    # The list marks the report and says how many no longer match.
    listing = client.get(reverse("reports:list")).content.decode()
    assert 'data-testid="drift-badge"' in listing and 'data-testid="drift-count"' in listing
    assert "1 issued report no longer matches" in listing


def test_new_evaluations_turn_a_target_without_data_into_missed(client, alpha, report):
    """As seen on GLOBEX-BO: the report said the quality target had no data; evaluations added
    since make it missed now."""
    from processes.models import Interaction
    from quality import services
    from tests.quality_fixtures import SECTIONS

    SLATarget.objects.create(process=alpha.process, metric="qa_score", comparator=">=", target=90, credit_percent=2)
    report = report_generate(client=alpha.client, month=OCT, notify=False).report  # v2, with the target
    assert selectors.report_drift(report) is None
    scorecard = services.scorecard_create(actor=alpha.qa, process=alpha.process, name="Voice", sections=SECTIONS)
    answers = {c.pk: 0 for c in scorecard.criteria()}
    answers[scorecard.criteria()[0].pk] = c0 = scorecard.criteria()[0].points_possible
    assert c0
    services.evaluation_create(actor=alpha.qa, interaction=Interaction.objects.get(external_id="o1"), answers=answers)
    engine.recompute_marked()
    drift, diffs = _differences(report)
    qa = diffs[(alpha.process.code, "figure", "qa_score")]
    assert qa.issued is None and qa.now is not None and qa.now < 90
    assert (qa.status_issued, qa.status_now) == ("undefined", "missed")
    assert drift.summary_now["missed"] == drift.summary_issued["missed"] + 1
    page = _detail(client, alpha.ops, report).content.decode()
    assert "No data</span> → <strong" in page and "Missed</strong>" in page


def test_a_changed_target_or_setting_is_listed(client, alpha, report):
    SLATarget.objects.filter(process=alpha.process, metric="service_level").update(target=60)
    alpha.process.sl_threshold_seconds = 10
    alpha.process.save(update_fields=["sl_threshold_seconds"])
    drift, diffs = _differences(report)
    voice = alpha.process.code
    target = diffs[(voice, "target", "service_level")]
    assert target.goal_issued[:2] == (">=", 40.0) and target.goal_now[:2] == (">=", 60.0)
    assert (target.status_issued, target.status_now) == ("met", "missed")
    setting = diffs[(voice, "setting", "sl_threshold_seconds")]
    assert (setting.issued, setting.now) == (20, 10)
    page = _detail(client, alpha.ops, report).content.decode()
    assert "Service-level threshold (s) (setting)" in page
    assert 'data-kind="target"' in page


def test_a_target_added_after_issue_is_listed_with_no_target_as_issued(client, alpha, report):
    SLATarget.objects.create(process=alpha.process, metric="fcr", comparator=">=", target=90, credit_percent=1.5)
    drift, diffs = _differences(report)
    added = diffs[(alpha.process.code, "target", "fcr")]
    assert added.goal_issued is None and added.goal_now == (">=", 90.0, 1.5)
    assert (added.status_issued, added.status_now) == ("", "missed")  # FCR 66.67 % < 90
    assert drift.summary_now["missed"] == drift.summary_issued["missed"] + 1
    assert drift.summary_now["credit_percent"] == "9.50"
    page = _detail(client, alpha.ops, report).content.decode()
    row = page[page.index('data-name="fcr" data-kind="target"') :]
    row = row[: row.index("</tr>")]
    assert "no target" in row and "Missed" in row


def test_regenerating_clears_the_notice_and_the_client_sees_the_new_version(
    client, alpha, report, django_capture_on_commit_callbacks
):
    late_abandon(alpha)
    assert selectors.report_drift(report) is not None
    client.force_login(alpha.ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:regenerate", kwargs={"pk": report.pk}),
            {"next": reverse("reports:detail", kwargs={"pk": report.pk})},
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.current.number == 2 and report.current.summary["missed"] == 3
    assert selectors.report_drift(report) is None
    page = client.get(reverse("reports:detail", kwargs={"pk": report.pk})).content.decode()
    assert 'data-testid="report-drift"' not in page
    # The client's portal lists the new version (and never a drift notice).
    client.force_login(alpha.client_user)
    portal = client.get(reverse("dashboards:portal")).content.decode()
    assert "(version 2)" in portal and "Figures changed" not in portal


def test_a_version_issued_before_snapshots_is_compared_by_its_summary(client, alpha, report):
    ReportVersion.objects.filter(pk=report.current_id).update(snapshot={})
    report.refresh_from_db()
    assert selectors.report_drift(report) is None  # the summary still holds
    late_abandon(alpha)
    drift = selectors.report_drift(report)
    assert drift.summary_only and drift.summary_changed and not drift.differences
    page = _detail(client, alpha.ops, report).content.decode()
    assert "only its summary can be compared" in page and "1 met, 3 missed" in page


# --- who sees what -------------------------------------------------------------------------------------


def test_clients_never_see_drift_notices_nor_another_clients_reports(client, alpha, bravo, report):
    late_abandon(alpha)
    october(bravo)
    bravo_report = report_generate(client=bravo.client, month=OCT, notify=False).report
    # Client users have no staff report pages at all.
    for user in (alpha.client_user, bravo.client_user):
        assert _detail(client, user, report).status_code == 403
        assert client.get(reverse("reports:list")).status_code == 403
    client.force_login(alpha.client_user)
    portal = client.get(reverse("dashboards:portal")).content.decode()
    assert "Figures changed" not in portal and "BRAVO" not in portal
    # BRAVO's operations manager: ALPHA's report is not found, and their list shows only theirs.
    assert _detail(client, bravo.ops, report).status_code == 404
    listing = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:detail", kwargs={"pk": bravo_report.pk}) in listing
    assert reverse("reports:detail", kwargs={"pk": report.pk}) not in listing
    assert 'data-testid="drift-badge"' not in listing  # ALPHA's drift is not theirs to see


# --- cost ----------------------------------------------------------------------------------------------


def test_the_list_compares_many_reports_in_a_few_queries(alpha, bravo, report):
    """Per month one computation for every client listed, not one per report."""
    october(bravo)
    report_generate(client=bravo.client, month=OCT, notify=False)
    from accounts.models import Role
    from tests.factories import UserFactory

    admin = UserFactory(username="drift-admin", role=Role.ADMIN, is_superuser=True)
    one = list(selectors.report_list(user=admin).filter(client=alpha.client))
    both = list(selectors.report_list(user=admin))
    assert len(both) == 2
    with CaptureQueriesContext(connection) as single:
        selectors.report_drifts(one)
    with CaptureQueriesContext(connection) as double:
        selectors.report_drifts(both)
    assert len(double) == len(single) <= 8, [q["sql"][:120] for q in double]


# --- the overview's banner and table -------------------------------------------------------------------


def _overview(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    return response


def test_banner_says_which_month_it_counts_when_the_missed_target_is_last_months(client, alpha):
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        SlaAlert.objects.create(
            process=alpha.process,
            metric="service_level",
            month=date(2026, 11, 1),
            state="missed",
            actual=70.0,
            target=80.0,
            comparator=">=",
            changed_at=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
        )
        response = _overview(client, alpha.ops)
        page = response.content.decode()
        alpha_row = next(c for c in response.context["clients"] if c["client"] == alpha.client)
        assert alpha_row["missed"] == 0  # the table: this month to date, nothing missed
        notice = page[page.index('data-testid="sla-alert-notice"') :]
        notice = notice[: notice.index("</div>")]
        assert "1 target missed last month (November 2026)" in notice
        assert "this month" not in notice


def test_banner_counts_this_month_exactly_as_the_table(client, alpha, bravo):
    """Alerts of the running month, evaluated from the same figures, count what the table counts;
    BRAVO's alerts are not counted for ALPHA's manager."""
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        rows = []
        for tenant in (alpha, bravo):
            p, a = tenant.process.code, tenant.agent.code
            rows += [
                row(f"{p}-d1", "2026-12-01T10:00:00+00:00", process=p, agent=a,
                    answered_at="2026-12-01T10:01:30+00:00", ended_at="2026-12-01T10:05:00+00:00", talk=200),
                row(f"{p}-d2", "2026-12-01T11:00:00+00:00", process=p, abandoned=True,
                    ended_at="2026-12-01T11:02:00+00:00"),
            ]  # fmt: skip
        load(rows)
        sla_alerts_evaluate(now=now)
        assert SlaAlert.objects.filter(month=date(2026, 12, 1), state__in=("at_risk", "missed")).count() == 2
        response = _overview(client, alpha.ops)
        alpha_row = next(c for c in response.context["clients"] if c["client"] == alpha.client)
        table = alpha_row["missed"] + alpha_row["at_risk"]
        assert table == 1
        page = response.content.decode()
        notice = page[page.index('data-testid="sla-alert-notice"') :]
        notice = notice[: notice.index("</div>")]
        december = notice[notice.index('data-month="2026-12"') :]
        december = december[: december.index("</span>")]
        # The banner's count for this month is the table's: missed and at risk, ALPHA's only.
        assert sum(int(n) for n in re.findall(r"(\d+) (?:targets? missed|at risk)", december)) == table
        state = "1 target missed" if alpha_row["missed"] else "1 at risk"
        assert f"{state} this month (December 2026)" in december
        assert 'data-month="2026-11"' not in notice and "BRAVO" not in notice
