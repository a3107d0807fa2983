"""Dashboards and SLA status: what each role sees, figures equal to the API's, drill-down totals
equal to the figure clicked, and the month-to-date projection on a hand-made month."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.filters import resolve
from processes.models import SLATarget
from reporting.models import DailyKpi
from sla import compliance as sla
from tests.conftest import api_as
from tests.factories import AgentFactory, ProcessFactory, UserFactory
from tests.kpi_helpers import load, row

pytestmark = pytest.mark.django_db

PERIOD = {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"}


def _october(alpha):
    """A hand-made October on ALPHA-VOICE (Asia/Kolkata, threshold 20 s, short abandon 5 s)."""
    p, a = alpha.process.code, alpha.agent.code
    rows = [
        row("o1", "2026-10-01T09:00:00+05:30", process=p, agent=a, answered_at="2026-10-01T09:00:12+05:30",
            ended_at="2026-10-01T09:05:12+05:30", talk=280, wrap=20, customer="C1", csat=5),
        row("o2", "2026-10-01T09:01:00+05:30", process=p, agent=a, answered_at="2026-10-01T09:01:45+05:30",
            ended_at="2026-10-01T09:08:45+05:30", talk=400, hold=20, customer="C2", csat=3),
        row("o3", "2026-10-01T09:02:00+05:30", process=p, abandoned=True, ended_at="2026-10-01T09:02:03+05:30",
            customer="C3"),
        row("o4", "2026-10-01T09:03:00+05:30", process=p, abandoned=True, ended_at="2026-10-01T09:03:30+05:30",
            customer="C4"),
        row("o5", "2026-10-03T11:00:00+05:30", process=p, agent=a, answered_at="2026-10-03T11:00:08+05:30",
            ended_at="2026-10-03T11:04:08+05:30", talk=240, customer="C1"),
        # Just after local midnight of 1 Nov is still 31 Oct in UTC: it belongs to November.
        row("o6", "2026-11-01T00:15:00+05:30", process=p, agent=a, answered_at="2026-11-01T00:15:05+05:30",
            ended_at="2026-11-01T00:20:05+05:30", talk=300, customer="C9"),
    ]  # fmt: skip
    load(rows)


# --- the SLA module ----------------------------------------------------------------------------------


def test_finished_month_met_missed_and_undefined_for_each_comparator(alpha):
    _october(alpha)
    process = alpha.process
    SLATarget.objects.filter(process=process).delete()
    SLATarget.objects.create(process=process, metric="service_level", comparator=">=", target=40, credit_percent=5)
    SLATarget.objects.create(process=process, metric="aht", comparator="<=", target=300, credit_percent=3)
    SLATarget.objects.create(process=process, metric="abandon_rate", comparator="<=", target=25, credit_percent=2)
    SLATarget.objects.create(process=process, metric="qa_score", comparator=">=", target=80, credit_percent=1)
    now = datetime(2026, 11, 22, 12, tzinfo=ZoneInfo("UTC"))
    (month,) = sla.process_months([process], date(2026, 10, 1), now=now)
    by_metric = {t.metric: t for t in month.targets}
    assert not month.is_current
    # answered 3, abandoned 1 (o3 is short) → SL standard 2 within (o1 12 s, o5 8 s) ÷ 4 = 50 %.
    assert by_metric["service_level"].actual == pytest.approx(50.0)
    assert (by_metric["service_level"].met, by_metric["service_level"].status) == (True, "met")
    assert by_metric["aht"].actual == pytest.approx((300 + 420 + 240) / 3)
    assert (by_metric["aht"].met, by_metric["aht"].status) == (False, "missed")
    assert by_metric["abandon_rate"].actual == pytest.approx(25.0)
    assert by_metric["abandon_rate"].met is True  # exactly on a "<=" target is met
    assert (by_metric["qa_score"].met, by_metric["qa_score"].status) == (None, "undefined")
    assert by_metric["aht"].gap == pytest.approx(-20.0)
    assert by_metric["service_level"].gap == pytest.approx(10.0)
    assert by_metric["aht"].as_dict()["actual"] == 320.0
    assert "projected" not in by_metric["aht"].as_dict()


def test_meets_counts_equality_as_met_and_none_as_undefined():
    assert sla.meets(80.0, ">=", 80.0) is True
    assert sla.meets(79.99, ">=", 80.0) is False
    assert sla.meets(5.0, "<=", 5.0) is True
    assert sla.meets(None, "<=", 5.0) is None


def _day_row(process, day, offered, num, den, **extra):
    DailyKpi.objects.create(
        process=process,
        client=process.client,
        local_date=day,
        offered=offered,
        answered=den,
        sl_numerator=num,
        sl_denominator=den,
        computed_at=timezone.now(),
        **extra,
    )


def _hand_made_month(process):
    """100 contacts every day since 15 Sep at 72 % SL; the last 7 complete days (3–9 Nov) at
    90 %; today (10 Nov) 40 contacts so far, 36 in time."""
    day = date(2026, 9, 15)
    while day <= date(2026, 11, 9):
        good = 90 if day >= date(2026, 11, 3) else 72
        _day_row(process, day, 100, good, 100)
        day += timedelta(days=1)
    _day_row(process, date(2026, 11, 10), 40, 36, 40)


@pytest.mark.parametrize(
    "target,status,required",
    [
        (80, "met", 1590),  # ceil(0.80 × 3000 − 810)
        (89, "missed", 1860),  # MTD 86.2 % and projected 88.8 % both short: off track, still possible
        (99, "missed", 2160),  # would need more in-time answers than contacts expected
    ],
)
def test_projection_on_a_hand_made_month(alpha, target, status, required):
    process = alpha.process
    process.timezone = "UTC"
    process.save()
    SLATarget.objects.filter(process=process).delete()
    SLATarget.objects.create(process=process, metric="service_level", comparator=">=", target=target)
    _hand_made_month(process)
    now = datetime(2026, 11, 10, 15, tzinfo=ZoneInfo("UTC"))
    (month,) = sla.process_months([process], date(2026, 11, 1), now=now)
    assert month.is_current and month.days_elapsed == 10 and month.days_in_month == 30
    # MTD: 1–2 Nov 72 + 72, 3–9 Nov 7 × 90, today 36 → 810 of 940.
    assert month.components["sl_numerator"] == 810 and month.components["sl_denominator"] == 940
    # Expected rest: today 100 − 40 = 60, then 20 days × 100 = 2,000.
    assert month.expected_remaining_offered == pytest.approx(2060)
    (t,) = month.targets
    assert t.actual == pytest.approx(810 / 940 * 100)
    # Rest at the last 7 days' pace (90 %): 810 + 0.9 × 2060 = 2664 of 3000.
    assert t.projected == pytest.approx(2664 / 3000 * 100)
    assert t.status == status
    assert t.required_within == required
    assert t.remaining_expected == 2060
    assert t.as_dict()["projected"] == pytest.approx(88.8)


def test_projection_without_history_uses_the_month_to_date_pace(alpha):
    process = alpha.process
    process.timezone = "UTC"
    process.save()
    _day_row(process, date(2026, 11, 1), 50, 45, 50)
    _day_row(process, date(2026, 11, 2), 50, 35, 50)
    now = datetime(2026, 11, 2, 23, tzinfo=ZoneInfo("UTC"))
    (month,) = sla.process_months([process], date(2026, 11, 1), now=now)
    # 1 Nov is the first day with data, so the weekday pattern is that one Sunday's 50; the
    # recent week is just 1 Nov (45 of 50 in time).
    assert month.expected_remaining_offered > 0
    assert month.projected_figures["service_level"] > month.figures["service_level"]


def test_credits_with_and_without_cap(alpha):
    client = alpha.client
    statuses = [
        sla.TargetStatus(target=SLATarget(metric="aht", comparator="<=", target=1, credit_percent=Decimal("5")),
                         actual=2.0, met=False, is_current=False),
        sla.TargetStatus(target=SLATarget(metric="fcr", comparator=">=", target=1, credit_percent=Decimal("4")),
                         actual=0.0, met=False, is_current=False),
        sla.TargetStatus(target=SLATarget(metric="csat", comparator=">=", target=1, credit_percent=Decimal("9")),
                         actual=None, met=None, is_current=False),
    ]  # fmt: skip
    client.monthly_fee, client.credit_cap_percent = Decimal("20000.00"), None
    credits = sla.credits_for(client, statuses)
    assert (credits.owed_percent, credits.capped_percent, credits.amount, credits.cap_applied) == (
        Decimal("9"),
        Decimal("9"),
        Decimal("1800.00"),
        False,
    )
    client.credit_cap_percent = Decimal("7.5")
    credits = sla.credits_for(client, statuses)
    assert (credits.capped_percent, credits.amount, credits.cap_applied) == (Decimal("7.5"), Decimal("1500.00"), True)
    client.monthly_fee = None
    assert sla.credits_for(client, statuses).amount is None


def test_period_presets():
    sunday = date(2026, 11, 22)
    assert resolve("today", sunday) == (sunday, sunday)
    assert resolve("yesterday", sunday) == (date(2026, 11, 21),) * 2
    assert resolve("this_week", sunday) == (date(2026, 11, 16), sunday)
    assert resolve("last_7", sunday) == (date(2026, 11, 16), sunday)
    assert resolve("this_month", sunday) == (date(2026, 11, 1), sunday)
    assert resolve("last_month", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert resolve("custom", sunday, date(2026, 2, 1), date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 2, 28))


# --- pages per role -----------------------------------------------------------------------------------


def test_overview_is_for_managers_only(client, alpha, bravo):
    for user in (alpha.team_leader, alpha.qa, alpha.agent_user, alpha.client_user):
        client.force_login(user)
        assert client.get(reverse("dashboards:overview")).status_code == 403
    client.force_login(alpha.ops)
    response = client.get(reverse("dashboards:overview"), PERIOD)
    assert response.status_code == 200
    codes = [r.process.code for r in response.context["rows"]]
    assert sorted(codes) == ["ALPHA-CHAT", "ALPHA-VOICE"]
    assert "BRAVO" not in response.content.decode()


def test_overview_puts_the_worst_process_first(client, alpha):
    _october(alpha)
    SLATarget.objects.filter(process=alpha.process).update(target=90)  # 50 % SL: missed
    SLATarget.objects.create(process=alpha.process2, metric="service_level", comparator=">=", target=0)
    client.force_login(alpha.ops)
    response = client.get(
        reverse("dashboards:overview"), {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"}
    )
    rows = response.context["rows"]
    assert [r.process.code for r in rows][0] == "ALPHA-VOICE"
    assert rows[0].worst == "missed"
    assert 'data-worst="missed"' in response.content.decode()


def test_figures_on_the_process_page_equal_the_api(client, alpha):
    _october(alpha)
    client.force_login(alpha.ops)
    response = client.get(reverse("dashboards:process", args=["ALPHA-VOICE"]), PERIOD)
    assert response.status_code == 200
    page = response.context["figures"].values
    api = api_as(alpha.ops).get(
        "/api/v1/kpis/", {"process": "ALPHA-VOICE", "start": "2026-10-01", "end": "2026-10-31", "group_by": "total"}
    )
    (expected,) = api.json()["results"]
    for name in ("offered", "answered", "abandoned", "handled", "aht", "asa", "abandon_rate", "service_level",
                 "fcr", "csat", "csat_mean", "qa_score", "tat_compliance"):  # fmt: skip
        value = page[name]
        assert (None if value is None else round(value, 2)) == expected[name], name
    assert page["offered"] == 5  # the 1 Nov (local) contact is November's


def test_drill_down_totals_equal_the_figure_clicked(client, alpha):
    _october(alpha)
    client.force_login(alpha.ops)
    process_page = client.get(reverse("dashboards:process", args=["ALPHA-VOICE"]), PERIOD).context
    for scope in ({"process": "ALPHA-VOICE"}, {"team": alpha.team.code}, {"agent": alpha.agent.code}):
        drill = client.get(reverse("dashboards:interactions"), {**PERIOD, **scope})
        assert drill.status_code == 200
        totals = drill.context["totals"].values
        if "process" in scope:
            parent = process_page["figures"].values
        elif "team" in scope:
            team_page = client.get(reverse("dashboards:team", args=[alpha.team.code]), PERIOD).context
            parent = team_page["team_total"].values
        else:
            agent_page = client.get(reverse("dashboards:agent", args=[alpha.agent.code]), PERIOD).context
            parent = agent_page["mine"].values
        for name in ("offered", "handled", "aht", "asa", "service_level", "abandon_rate", "fcr", "csat"):
            assert totals[name] == pytest.approx(parent[name]) if parent[name] is not None else totals[name] is None, (
                scope,
                name,
            )
    # The process page's tiles link to the list for the same filter.
    assert process_page["drill_link"].startswith(reverse("dashboards:interactions") + "?")
    assert "process=ALPHA-VOICE" in process_page["drill_link"]


def test_interaction_list_outcome_filter_and_csv_export(client, alpha):
    _october(alpha)
    client.force_login(alpha.ops)
    drill = client.get(reverse("dashboards:interactions"), {**PERIOD, "process": "ALPHA-VOICE", "outcome": "abandoned"})
    assert [i.external_id for i in drill.context["page_obj"].object_list] == ["o4"]
    assert drill.context["totals"].values["offered"] == 5  # totals stay over the whole filter
    export = client.get(reverse("dashboards:interactions"), {**PERIOD, "process": "ALPHA-VOICE", "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [r["external_id"] for r in lines] == ["o1", "o2", "o3", "o4", "o5"]
    assert lines[0]["has_repeat"] == "true" and lines[1]["has_repeat"] == "false"


def test_interaction_list_of_another_tenant_is_not_found(client, alpha, bravo):
    client.force_login(alpha.ops)
    assert client.get(reverse("dashboards:interactions"), {"process": "BRAVO-VOICE"}).status_code == 404
    client.force_login(alpha.client_user)
    assert client.get(reverse("dashboards:interactions"), {"process": "ALPHA-VOICE"}).status_code == 403


def test_client_user_sees_their_portal_and_no_agent_names_unless_allowed(client, alpha, bravo):
    _october(alpha)
    client.force_login(alpha.client_user)
    portal = client.get(reverse("dashboards:portal"), PERIOD)
    assert portal.status_code == 200
    text = portal.content.decode()
    assert "ALPHA-VOICE" in text and "BRAVO" not in text
    assert "Preview" not in text
    # ?client= is ignored for client users: always their own client.
    assert "BRAVO" not in client.get(reverse("dashboards:portal"), {"client": "BRAVO"}).content.decode()
    page = client.get(reverse("dashboards:process", args=["ALPHA-VOICE"]), PERIOD)
    assert page.status_code == 200
    assert alpha.agent.name not in page.content.decode()
    assert alpha.team.name not in page.content.decode()
    assert client.get(reverse("dashboards:process", args=["BRAVO-VOICE"])).status_code == 404
    for name in ("dashboards:team", "dashboards:agent"):
        code = alpha.team.code if name.endswith("team") else alpha.agent.code
        assert client.get(reverse(name, args=[code])).status_code == 403
    alpha.client.show_agent_names = True
    alpha.client.save()
    page = client.get(reverse("dashboards:process", args=["ALPHA-VOICE"]), PERIOD)
    assert alpha.agent.name in page.content.decode()


def test_ops_manager_previews_a_client_portal(client, alpha, bravo):
    client.force_login(alpha.ops)
    response = client.get(reverse("dashboards:portal"), {"client": "ALPHA"})
    assert response.status_code == 200 and "Preview" in response.content.decode()
    # An unassigned client is simply not offered: the first visible one is shown instead.
    assert "BRAVO" not in client.get(reverse("dashboards:portal"), {"client": "BRAVO"}).content.decode()


def test_team_leader_sees_their_team_with_outliers(client, alpha, bravo):
    slow = AgentFactory(code="A0099", name="Slow Starter", team=alpha.team, processes=[alpha.process])
    p = alpha.process.code
    rows = []
    for n in range(25):
        for agent, talk in ((alpha.agent.code, 200), (slow.code, 600)):
            arrived = datetime(2026, 10, 5, 9, tzinfo=ZoneInfo("Asia/Kolkata")) + timedelta(minutes=n * 2)
            rows.append(
                row(f"{agent}-{n}", arrived.isoformat(), process=p, agent=agent,
                    answered_at=(arrived + timedelta(seconds=5)).isoformat(),
                    ended_at=(arrived + timedelta(seconds=talk + 5)).isoformat(), talk=talk)
            )  # fmt: skip
    load(rows)
    client.force_login(alpha.team_leader)
    response = client.get(reverse("dashboards:team", args=[alpha.team.code]), PERIOD)
    assert response.status_code == 200
    agents = {r["agent"].code: r for r in response.context["agent_rows"]}
    assert agents["A0099"]["flags"] == ["aht"]
    assert agents[alpha.agent.code]["flags"] == []
    assert response.context["agent_rows"][0]["agent"].code == "A0099"  # outliers first
    assert client.get(reverse("dashboards:team", args=[bravo.team.code])).status_code == 404
    # The team leader's "Dashboard" entry lands on their team.
    assert client.get(reverse("dashboards:mine"))["Location"] == reverse("dashboards:team", args=[alpha.team.code])


def test_agent_sees_their_own_page_only(client, alpha):
    other = AgentFactory(code="A0042", team=alpha.team, processes=[alpha.process])
    _october(alpha)
    client.force_login(alpha.agent_user)
    assert client.get(reverse("dashboards:mine"))["Location"] == reverse("dashboards:agent", args=[alpha.agent.code])
    response = client.get(reverse("dashboards:agent", args=[alpha.agent.code]), PERIOD)
    assert response.status_code == 200 and response.context["is_self"]
    assert response.context["mine"].components["handled"] == 3
    assert client.get(reverse("dashboards:agent", args=[other.code])).status_code == 404
    assert client.get(reverse("dashboards:process", args=["ALPHA-VOICE"])).status_code == 403


def test_bad_filter_says_so_and_falls_back_to_this_month(client, alpha):
    client.force_login(alpha.ops)
    response = client.get(
        reverse("dashboards:overview"), {"period": "custom", "start": "2026-10-31", "end": "2026-10-01"}
    )
    assert response.status_code == 200
    assert response.context["period"].preset == "this_month"
    assert "The end date is before the start date." in response.content.decode()


def test_intraday_profile_uses_local_hours_across_offsets_and_dst(client, alpha, admin_user):
    ny = ProcessFactory(client=alpha.client, code="ALPHA-NY", timezone="America/New_York")
    rows = [
        # 1 Nov 2026 in New York has 25 hours: 01:30 happens twice (EDT, then EST).
        row("d1", "2026-11-01T01:30:00-04:00", process="ALPHA-NY", abandoned=True, ended_at="2026-11-01T01:31:00-04:00"),
        row("d2", "2026-11-01T01:30:00-05:00", process="ALPHA-NY", abandoned=True, ended_at="2026-11-01T01:31:00-05:00"),
        row("d3", "2026-11-01T23:59:00-05:00", process="ALPHA-NY", abandoned=True, ended_at="2026-11-01T23:59:40-05:00"),
        # Kolkata is +05:30: 00:15 local is 18:45 UTC the day before.
        row("k1", "2026-10-02T00:15:00+05:30", process="ALPHA-VOICE", abandoned=True, ended_at="2026-10-02T00:16:00+05:30"),
        row("k2", "2026-10-02T10:59:59+05:30", process="ALPHA-VOICE", abandoned=True, ended_at="2026-10-02T11:00:30+05:30"),
    ]  # fmt: skip
    load(rows)
    from dashboards.selectors import intraday_profile

    ny_profile = {h["hour"]: h["figures"]["offered"] for h in intraday_profile(ny, date(2026, 11, 1), user=admin_user)}
    assert ny_profile[1] == 2 and ny_profile[23] == 1 and sum(ny_profile.values()) == 3
    kol = {
        h["hour"]: h["figures"]["offered"] for h in intraday_profile(alpha.process, date(2026, 10, 2), user=admin_user)
    }
    assert kol[0] == 1 and kol[10] == 1 and sum(kol.values()) == 2


def test_sla_table_on_the_process_page_says_what_is_needed(client, alpha):
    process = alpha.process
    today = timezone.now().astimezone(ZoneInfo(process.timezone)).date()
    _day_row(process, today, 100, 60, 100)
    client.force_login(alpha.ops)
    response = client.get(reverse("dashboards:process", args=[process.code]))
    month = response.context["month"]
    assert month.is_current
    (t,) = [t for t in month.targets if t.metric == "service_level"]
    assert t.actual == pytest.approx(60.0)
    assert 'data-testid="required-within"' in response.content.decode()


def test_numbers_are_readable(client, alpha):
    from reporting.templatetags.kpi_format import kpi

    assert kpi(None, "service_level") == "—"
    assert kpi(81.456, "service_level") == "81.5 %"
    assert kpi(349.4, "aht") == "5:49"  # m:ss below an hour (bpo_portal.units)
    assert kpi(4809, "asa") == "1:20:09"  # h:mm:ss from an hour up
    assert kpi(12345, "offered") == "12,345"
    assert kpi(4.256, "csat_mean") == "4.26"


def test_navigation_dashboard_entry_for_every_role(client, alpha):
    for user in (alpha.ops, alpha.team_leader, alpha.qa, alpha.agent_user, alpha.client_user):
        client.force_login(user)
        response = client.get(reverse("dashboards:mine"), follow=True)
        assert response.status_code == 200, user.username
    client.force_login(UserFactory(username="lonely_qa", role="qa_analyst"))
    assert client.get(reverse("dashboards:mine"))["Location"] == reverse("home")


def test_overview_team_and_agent_figures_equal_the_api(client, alpha):
    _october(alpha)
    api = api_as(alpha.ops)
    window = {"start": "2026-10-01", "end": "2026-10-31"}
    client.force_login(alpha.ops)
    rows = {r.process.code: r for r in client.get(reverse("dashboards:overview"), PERIOD).context["rows"]}
    by_process = {
        r["process"]: r for r in api.get("/api/v1/kpis/", {**window, "group_by": "process"}).json()["results"]
    }
    team_page = client.get(reverse("dashboards:team", args=[alpha.team.code]), PERIOD).context["team_total"]
    agent_page = client.get(reverse("dashboards:agent", args=[alpha.agent.code]), PERIOD).context["mine"]
    (team_api,) = api.get("/api/v1/kpis/", {**window, "team": alpha.team.code, "group_by": "total"}).json()["results"]
    (agent_api,) = api.get("/api/v1/kpis/", {**window, "agent": alpha.agent.code, "group_by": "total"}).json()[
        "results"
    ]
    for page, expected in (
        (rows["ALPHA-VOICE"].figures, by_process["ALPHA-VOICE"]),
        (team_page, team_api),
        (agent_page, agent_api),
    ):
        for name in ("offered", "handled", "aht", "asa", "service_level", "abandon_rate", "fcr", "csat", "csat_mean"):
            value = page.values[name]
            assert (None if value is None else round(value, 2)) == expected[name], name


def test_presets_resolve_on_each_process_local_day(alpha):
    from unittest import mock

    from dashboards.filters import period_from

    # 22:30 UTC on 30 Nov is already 1 Dec in Kolkata.
    moment = datetime(2026, 11, 30, 22, 30, tzinfo=ZoneInfo("UTC"))
    with mock.patch("dashboards.filters.timezone.now", return_value=moment):
        period, _ = period_from({"period": "today"}, tz="UTC")
        assert (period.start, period.end) == (date(2026, 11, 30),) * 2
        kolkata = period.for_tz("Asia/Kolkata")
        assert (kolkata.start, kolkata.end) == (date(2026, 12, 1),) * 2
        assert kolkata.exact_query() == {"period": "custom", "start": "2026-12-01", "end": "2026-12-01"}


def test_agent_drill_down_counts_only_their_own_interactions(client, alpha):
    _october(alpha)
    client.force_login(alpha.agent_user)
    drill = client.get(reverse("dashboards:interactions"), PERIOD)
    assert drill.status_code == 200
    totals = drill.context["totals"]
    assert (totals.rows, totals.values["handled"]) == (3, 3)  # o1, o2, o5: not the abandons
    assert drill.context["paginator"].count == 3
