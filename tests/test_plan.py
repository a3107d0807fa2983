"""The contract-aware plan (WFM.md, "The contract-aware plan"; workforce/plan.py), hand-computed.

The month: November 2026. The clock is frozen on the 29th; the month so far is DailyKpi rows, the
rest of it a few Forecast rows. Erlang C figures used below (A = traffic in Erlangs, t = 20 s,
h = 180 s), from WFM.md's formulas (checked independently in tests/test_erlang.py):

    A = 20 (100 contacts in 15 min): N = 23 → SL 70.21 %, 24 → 80.89 %, 25 → 88.00 %, 26 → 92.64 %,
           27 → 95.59 %; occupancy cap 85 %: N ≥ ⌈20 ÷ 0.85⌉ = 24
    A = 10 (C1: 100 contacts in 30 min, or 50 in 15 min): 12 → 64.02 %, 13 → 79.56 %, 14 → 88.84 %;
           occupancy cap: N ≥ ⌈10 ÷ 0.85⌉ = 12
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from processes.models import SLATarget
from reporting.models import DailyKpi
from tests.factories import ClientFactory, ProcessFactory, SLATargetFactory
from workforce import plan as plans
from workforce.models import Forecast, PlanningSettings

NOW = datetime(2026, 11, 29, 22, 5, tzinfo=UTC)  # UTC process: the 22:00 interval is under way


def _kpi(process, day, numerator, denominator, **more):
    DailyKpi.objects.create(
        process=process,
        client=process.client,
        local_date=day,
        sl_numerator=numerator,
        sl_denominator=denominator,
        answered_within=numerator,
        answered=denominator,
        offered=denominator,
        computed_at=timezone.now(),
        **more,
    )


def _forecast(process, start, contacts, aht=180.0):
    Forecast.objects.create(
        process=process,
        interval_start=start,
        local_date=start.date(),
        method="weighted_weeks",
        base_contacts=contacts,
        contacts=contacts,
        aht=aht,
        generated_at=start,
    )


@pytest.fixture
def month(db):
    """A UTC voice process, target SL ≥ 80 % with a 5 % credit, fee 10,000 EUR: so far 760 of
    1,000 (and an October day that must not count); 300 contacts forecast after now."""
    client = ClientFactory(code="ACME", timezone="UTC", monthly_fee=Decimal("10000"), currency="EUR")
    process = ProcessFactory(client=client, code="ACME-VOICE", timezone="UTC")
    SLATargetFactory(process=process, target=80, credit_percent=Decimal("5"))
    _kpi(process, date(2026, 10, 31), 0, 500)
    _kpi(process, date(2026, 11, 3), 400, 500)
    _kpi(process, date(2026, 11, 29), 360, 500)
    _forecast(process, datetime(2026, 11, 29, 22, 0, tzinfo=UTC), 100)  # under way: not planned
    _forecast(process, datetime(2026, 11, 29, 22, 15, tzinfo=UTC), 100)
    _forecast(process, datetime(2026, 11, 29, 22, 30, tzinfo=UTC), 100)
    _forecast(process, datetime(2026, 11, 30, 10, 0, tzinfo=UTC), 100)
    _forecast(process, datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 100)  # next month
    return process


def _plan(process, moment=NOW):
    with time_machine.travel(moment, tick=False):
        return plans.build(process)


def test_a_hand_made_month_needs_more_staff_to_end_at_target(month):
    plan = _plan(month)
    assert plan.today == date(2026, 11, 29)
    assert (plan.numerator, plan.denominator) == (760, 1000)
    assert plan.month_to_date_sl == 76.0
    assert plan.remaining_from == datetime(2026, 11, 29, 22, 15, tzinfo=UTC)
    assert plan.remaining_contacts == 300
    assert plan.expected_total == 1300
    # (0.80 × 1,300 − 760) ÷ 300 = 280 ÷ 300 = 93.33 %
    assert plan.case == plans.PLAN
    assert plan.required_sl == pytest.approx(280 / 300 * 100)
    steps = plan.intervals
    assert [s.start.hour * 60 + s.start.minute for s in steps] == [22 * 60 + 15, 22 * 60 + 30, 10 * 60]
    for step in steps:
        assert step.traffic == 20  # 100 × 180 ÷ 900
        assert (step.nominal_agents, step.required_agents) == (24, 27)  # 80.89 % ≥ 80; 92.64 < 93.33 ≤ 95.59
        assert (step.nominal_scheduled, step.required_scheduled) == (35, 39)  # ⌈24 ÷ 0.7⌉, ⌈27 ÷ 0.7⌉
    day29, day30 = plan.days
    assert (day29.day, day30.day) == (date(2026, 11, 29), date(2026, 11, 30))
    # 3 more agents × 0.25 h per interval; scheduled 4 more × 0.25 h
    assert (day29.extra_hours, day30.extra_hours) == (1.5, 0.75)
    assert (day29.extra_scheduled_hours, day30.extra_scheduled_hours) == (2.0, 1.0)
    assert (day29.nominal_hours, day29.required_hours) == (12.0, 13.5)  # 2 × 24 × 0.25, 2 × 27 × 0.25
    assert (plan.extra_hours, plan.extra_scheduled_hours) == (2.25, 3.0)
    assert plan.sentence == (
        "To end the month at 80.00 % you need +2.25 agent-hours on the queue over these intervals "
        "(+3.00 scheduled with 30.00 % shrinkage)."
    )
    # At nominal staffing: (760 + 300 × 80.888 %) ÷ 1,300 = 77.13 %: the month would miss.
    assert plan.projected_nominal_sl == pytest.approx((760 + 300 * steps[0].nominal_sl / 100) / 1300 * 100)
    assert round(plan.projected_nominal_sl, 2) == 77.13
    assert plan.credit_percent == Decimal("5")
    assert plan.credit_amount == Decimal("500.00") and plan.currency == "EUR"
    assert not plan.forecast_short


def test_the_client_cap_limits_the_credit_at_stake(month):
    month.client.credit_cap_percent = Decimal("2")
    month.client.save()
    plan = _plan(month)
    assert (plan.credit_percent, plan.credit_amount) == (Decimal("2"), Decimal("200.00"))


def test_already_safe_is_on_track_even_at_zero_with_fewer_hours(month):
    _kpi(month, date(2026, 11, 10), 1100, 1100)  # so far 1,860 of 2,100
    Forecast.objects.filter(process=month).update(contacts=50, base_contacts=50)  # A = 10, 150 remaining
    plan = _plan(month)
    # (0.80 × 2,250 − 1,860) ÷ 150 = −60 ÷ 150 = −40 %
    assert plan.required_sl == pytest.approx(-40)
    assert plan.case == plans.SAFE
    step = plan.intervals[0]
    # required SL 0: the occupancy cap's floor ⌈10 ÷ 0.85⌉ = 12 instead of 14
    assert (step.nominal_agents, step.required_agents) == (14, 12)
    assert (step.nominal_scheduled, step.required_scheduled) == (20, 18)
    assert (plan.extra_hours, plan.extra_scheduled_hours) == (-1.5, -1.5)
    assert plan.sentence == (
        "On track even at 0 % for the rest of the month. On track with 1.50 fewer agent-hours on the queue "
        "over these intervals (1.50 fewer scheduled with 30.00 % shrinkage) than the nominal 80.00 % needs."
    )


def test_no_difference_says_the_nominal_staffing_is_enough(month):
    DailyKpi.objects.filter(process=month, local_date=date(2026, 11, 29)).update(sl_numerator=450)  # 850 of 1,000
    plan = _plan(month)
    # (1,040 − 850) ÷ 300 = 63.33 %: at A = 20 the occupancy floor, 24, is the nominal N too
    assert plan.case == plans.PLAN and plan.required_sl == pytest.approx(190 / 3)
    assert plan.extra_hours == 0 and plan.extra_scheduled_hours == 0
    assert plan.sentence == (
        "The nominal staffing is enough to end the month at 80.00 %: no extra agent-hours over these intervals."
    )


def test_above_100_percent_cannot_be_reached_and_says_how_close_the_best_month_is(month):
    DailyKpi.objects.filter(process=month, local_date=date(2026, 11, 29)).update(sl_numerator=300)  # 700 of 1,000
    plan = _plan(month)
    # (1,040 − 700) ÷ 300 = 113.33 %; best month (700 + 300) ÷ 1,300 = 76.92 %
    assert plan.case == plans.UNREACHABLE
    assert plan.required_sl == pytest.approx(340 / 3)
    assert plan.best_month_sl == pytest.approx(1000 / 1300 * 100)
    assert plan.sentence == (
        "80.00 % cannot be reached this month: the remaining intervals would need 113.33 %; even with every "
        "remaining contact answered in time the month ends at 76.92 % (-3.08 points)."
    )
    assert plan.intervals[0].required_agents is None and plan.intervals[0].nominal_agents == 24
    assert plan.extra_hours is None


def test_no_forecast_says_so(month):
    Forecast.objects.filter(process=month).delete()
    plan = _plan(month)
    assert plan.case == plans.NO_FORECAST and plan.required_sl is None and plan.days == []
    assert plan.sentence.startswith("No forecast for the rest of the month")


def test_a_forecast_of_nothing_ends_the_month_where_it_is(month):
    Forecast.objects.filter(process=month).update(contacts=0, base_contacts=0)
    plan = _plan(month)
    assert plan.case == plans.NOTHING_EXPECTED
    assert "76.00 %" in plan.sentence


def test_the_last_interval_of_the_month_leaves_nothing_to_plan(month):
    plan = _plan(month, datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    assert plan.case == plans.NOTHING_EXPECTED and plan.sentence.startswith("No more contacts are forecast")


def test_a_forecast_ending_before_the_month_is_flagged(month):
    Forecast.objects.filter(process=month, interval_start__date=date(2026, 11, 30)).delete()
    plan = _plan(month)
    assert plan.forecast_until == date(2026, 11, 29) and plan.forecast_short


def test_planning_settings_change_the_staffing(month):
    PlanningSettings.objects.create(process=month, shrinkage=Decimal("20"), max_occupancy=Decimal("80"))
    step = _plan(month).intervals[0]
    # occupancy ≤ 80 %: N ≥ 25 for both; 93.33 % still needs 27
    assert (step.nominal_agents, step.required_agents) == (25, 27)
    assert (step.nominal_scheduled, step.required_scheduled) == (32, 34)  # ⌈25 ÷ 0.8⌉ = 32 (exact), ⌈33.75⌉


def test_no_service_level_floor_no_plan(db):
    process = ProcessFactory(code="NOFLOOR", timezone="UTC")
    assert _plan(process) is None
    SLATargetFactory(process=process, metric="service_level", comparator="<=", target=95)
    SLATargetFactory(process=process, metric="aht", comparator="<=", target=300)
    assert _plan(process) is None  # a "<=" service level is not a floor
    SLATarget.objects.filter(process=process, metric="service_level").update(comparator=">=", target=85)
    assert _plan(process).goal == 85


def test_a_30_minute_process_in_kolkata(db):
    client = ClientFactory(code="KOL", timezone="Asia/Kolkata")
    process = ProcessFactory(client=client, code="KOL-VOICE", timezone="Asia/Kolkata", interval_minutes=30)
    SLATargetFactory(process=process, target=80)
    _kpi(process, date(2026, 11, 5), 810, 1000)
    # 16:40 UTC = 22:10 IST: the 22:00-22:30 IST interval (16:30 UTC) is under way.
    _forecast(process, datetime(2026, 11, 29, 16, 45, tzinfo=UTC), 50)  # part of the interval under way
    _forecast(process, datetime(2026, 11, 29, 17, 0, tzinfo=UTC), 50)  # 22:30 IST, 15-minute rows ...
    _forecast(process, datetime(2026, 11, 29, 17, 15, tzinfo=UTC), 50)  # ... summed into one half hour
    _forecast(process, datetime(2026, 11, 30, 4, 30, tzinfo=UTC), 100)  # 10:00 IST
    plan = _plan(process, datetime(2026, 11, 29, 16, 40, tzinfo=UTC))
    assert plan.remaining_from == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    # (0.80 × 1,200 − 810) ÷ 200 = 75 %
    assert plan.required_sl == pytest.approx(75)
    first, second = plan.intervals
    assert (first.local_hm, first.utc_hm, second.local_hm) == ("22:30", "17:00", "10:00")
    assert first.contacts == 100 and first.traffic == 10 and first.hours == 0.5  # C1
    # nominal 80 %: 14 (13 gives 79.56 %); 75 %: 13 (12 gives 64.02 %)
    assert (first.nominal_agents, first.required_agents) == (14, 13)
    assert [d.day for d in plan.days] == [date(2026, 11, 29), date(2026, 11, 30)]
    assert [d.extra_hours for d in plan.days] == [-0.5, -0.5]
    assert plan.extra_scheduled_hours == -1.0  # ⌈14 ÷ 0.7⌉ = 20, ⌈13 ÷ 0.7⌉ = 19
    assert plan.sentence.startswith("On track with 1.00 fewer agent-hours on the queue")


def test_exclude_early_abandons_scales_the_expected_denominator(month):
    month.sl_formula = "exclude_early_abandons"
    month.save()
    DailyKpi.objects.filter(process=month).update(abandoned=0, abandoned_within=0)
    DailyKpi.objects.filter(process=month, local_date=date(2026, 11, 3)).update(abandoned=100, abandoned_within=50)
    plan = _plan(month)
    # answered + abandoned so far = 1,000 + 500 (October excluded) ... of the month: 1,000 + 100
    assert plan.denominator_share == pytest.approx(1 - 50 / 1100)
    assert plan.remaining_denominator == pytest.approx(300 * (1 - 50 / 1100))


# --- the page ------------------------------------------------------------------------------------


def _get(client, user, code, **query):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("workforce:plan", args=[code]), query)


def test_the_plan_page_and_its_csv_exports(client, alpha, month):
    alpha.ops.assigned_clients.add(month.client)
    response = _get(client, alpha.ops, "ACME-VOICE")
    assert response.status_code == 200
    text = response.content.decode()
    assert "To end the month at 80.00 % you need +2.25 agent-hours" in text
    assert "93.33" in text and "76.0" in text and "5.00 % of the month" in text and "500.00 EUR" in text
    assert "local days in UTC" in text and "22:15 UTC" in text
    assert text.count('data-testid="plan-detail"') == 2  # the 29th and the 30th
    days = list(csv.reader(io.StringIO(_get(client, alpha.ops, "ACME-VOICE", export="days").content.decode())))
    assert days[0][0] == "local date" and days[1][0] == "2026-11-29" and float(days[1][4]) == 1.5
    intervals = _get(client, alpha.ops, "ACME-VOICE", export="intervals")
    assert intervals["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(intervals.content.decode())))
    assert len(rows) == 4 and rows[1][1] == "2026-11-29 22:15Z" and rows[1][5:7] == ["24", "35"]
    summary = list(csv.reader(io.StringIO(_get(client, alpha.ops, "ACME-VOICE", export="month").content.decode())))
    assert ["Required SL, rest of the month", "93.33", "%"] in summary
    assert _get(client, alpha.ops, "ACME-VOICE", export="pdf").status_code == 400


def test_a_process_without_a_floor_shows_no_plan(client, alpha):
    SLATarget.objects.filter(process=alpha.process).delete()
    response = _get(client, alpha.ops, alpha.process.code)
    assert response.status_code == 200 and 'data-testid="plan-none"' in response.content.decode()
    assert _get(client, alpha.ops, alpha.process.code, export="days").status_code == 404


def test_who_may_see_the_plan(client, alpha, bravo):
    # A client user and a QA analyst: no capability (403), whatever the process.
    for user in (alpha.client_user, alpha.qa, alpha.agent_user):
        assert _get(client, user, alpha.process.code).status_code == 403
    # A team leader: the processes their agents work on; another tenant's is not found.
    assert _get(client, alpha.team_leader, alpha.process.code).status_code == 200
    assert _get(client, alpha.team_leader, bravo.process.code).status_code == 404
    assert _get(client, alpha.ops, bravo.process.code).status_code == 404
    assert _get(client, alpha.ops, "NO-SUCH").status_code == 404


# --- the client's SLA view (the portal), for staff ---------------------------------------------------


def _portal(browser, user, **query):
    browser.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return browser.get(reverse("dashboards:portal"), query)


def test_staff_see_the_plan_line_in_the_client_portal_and_the_client_never_does(client, alpha):
    # Kolkata: it is already the 30th there (03:35); 820 of 1,000 so far, 50 contacts to come at
    # 15:30 IST (A = 10): (0.80 × 1,050 − 820) ÷ 50 = 40 %, so 12 agents (64.02 %) instead of 14.
    _kpi(alpha.process, date(2026, 11, 29), 820, 1000)
    _forecast(alpha.process, datetime(2026, 11, 30, 10, 0, tzinfo=UTC), 50)
    text = _portal(client, alpha.ops, client="ALPHA").content.decode()
    assert 'data-testid="portal-plan"' in text
    assert reverse("workforce:plan", args=[alpha.process.code]) in text
    assert "the rest of the month needs 40.00 % (month to date 82.00 %)" in text
    assert "On track with 0.50 fewer agent-hours on the queue" in text
    own = _portal(client, alpha.client_user).content.decode()
    assert "ALPHA-VOICE" in own and 'data-testid="portal-plan"' not in own and "/workforce/" not in own


def test_the_portal_reads_the_plans_in_a_bounded_number_of_queries(client, alpha, django_assert_max_num_queries):
    for n in range(4):
        process = ProcessFactory(client=alpha.client, code=f"ALPHA-P{n}")
        SLATargetFactory(process=process, target=80)
        _kpi(process, date(2026, 11, 29), 760, 1000)
        _forecast(process, datetime(2026, 11, 30, 10, 0, tzinfo=UTC), 100)
    client.force_login(alpha.ops)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("dashboards:portal"), {"client": "ALPHA"})  # warm the caches
        with django_assert_max_num_queries(60) as one:
            client.get(reverse("dashboards:portal"), {"client": "ALPHA"})
    plan_queries = [q["sql"] for q in one.captured_queries if "workforce_" in q["sql"]]
    assert len(plan_queries) == 2  # the planning settings and the forecast, for every process at once
