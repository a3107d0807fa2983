"""The staffing requirement per interval (WFM.md "Staffing requirement (Erlang C)"), computed by
workforce.staffing from forecast rows made here by hand: C1 (100 contacts in 30 min, AHT 180 s,
80 % in 20 s → 14 agents, 20 with 30 % shrinkage), closed intervals, chat concurrency, the
back-office workload rule and its placement before the TAT deadline, DST days."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendars.models import OpeningHours, ServiceCalendar
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, SLATargetFactory, TeamFactory
from workforce import plan as plan_module
from workforce import staffing
from workforce.intervals import day_intervals
from workforce.models import Forecast, PlanningSettings

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 5)  # a Monday, no DST change in London


def forecast(process, start, contacts, aht):
    return Forecast.objects.create(
        process=process,
        interval_start=start,
        local_date=start.astimezone(ZoneInfo(process.timezone)).date(),
        method="weighted_weeks",
        base_contacts=contacts,
        contacts=contacts,
        aht=aht,
        generated_at=timezone.now(),
    )


def at(process, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(process.timezone)).astimezone(UTC)


@pytest.fixture
def voice():
    client = ClientFactory(code="STF", timezone="Europe/London")
    process = ProcessFactory(client=client, code="STF-VOICE", channel="voice", interval_minutes=30)
    SLATargetFactory(process=process, metric="service_level", target=80)
    team = TeamFactory(code="T-STF")
    for n in range(3):
        AgentFactory(code=f"S{n}", team=team, processes=[process])
    AgentFactory(code="S9", team=team, processes=[process], active=False)
    return process


def test_c1_by_hand(voice):
    """C1: A = 100 × 180 ÷ 1800 = 10 Erlangs; N = 14 (SL 88.84 %, ASA 7.84 s, occupancy 71.4 %);
    ⌈14 ÷ 0.7⌉ = 20; 3 active agents staffed → gap 3 − 20 = −17."""
    forecast(voice, at(voice, DAY, 9), 100, 180)
    plan = staffing.plan_day(voice, DAY)
    assert len(plan.intervals) == 48
    row = next(i for i in plan.intervals if i.start == at(voice, DAY, 9))
    assert (row.contacts, row.aht, row.h, row.traffic) == (100, 180, 180, 10)
    assert (row.required, row.required_with_shrinkage) == (14, 20)
    assert round(row.service_level, 2) == 88.84
    assert round(row.asa, 2) == 7.84
    assert round(row.occupancy, 1) == 71.4
    assert round(row.probability_wait, 4) == 0.1741
    assert (row.scheduled, row.gap) == (3, -17)
    assert plan.inputs.target == 80 and plan.inputs.threshold == 20 and plan.inputs.target_source == "SLA target"
    # Every other interval: no forecast, nobody needed; the day: 14 × 0.5 h = 7 agent-hours,
    # 20 × 0.5 = 10 with shrinkage, 10 ÷ 8 h = 1.25 FTE; peak 20, shortfall 17.
    others = [i for i in plan.intervals if i is not row]
    assert all(i.required == 0 and i.gap == 3 and i.service_level == 100 for i in others)
    assert (plan.agent_hours, plan.agent_hours_with_shrinkage, plan.fte) == (7, 10, 1.25)
    assert (plan.peak_required, plan.gap, plan.shortfall) == (20, -17, 17)


def test_defaults_without_a_target_or_settings_and_with_settings(voice):
    voice.sla_targets.all().delete()
    forecast(voice, at(voice, DAY, 9), 100, 180)
    plan = staffing.plan_day(voice, DAY)
    assert (plan.inputs.target, plan.inputs.target_source) == (80, "default")
    assert (plan.inputs.max_occupancy, plan.inputs.shrinkage, plan.inputs.concurrency) == (85, 30, 1)
    assert not plan.inputs.has_settings
    PlanningSettings.objects.create(process=voice, shrinkage=Decimal("50"), paid_hours_per_fte=Decimal("7"))
    plan = staffing.plan_day(voice, DAY)
    row = next(i for i in plan.intervals if i.contacts)
    assert (row.required, row.required_with_shrinkage) == (14, 28)  # ⌈14 ÷ 0.5⌉
    assert plan.fte == 28 * 0.5 / 7


def test_only_a_floor_target_sets_the_staffing_target(voice):
    """A `<=` service-level target is a cap, not a floor: staffing uses the default 80 %, as the
    contract-aware plan does (which has no floor to plan for then)."""
    voice.sla_targets.update(comparator="<=", target=95)
    forecast(voice, at(voice, DAY, 9), 100, 180)
    plan = staffing.plan_day(voice, DAY)
    assert (plan.inputs.target, plan.inputs.target_source) == (80, "default")
    assert plan_module.floor_target(voice.sla_targets.all()) is None
    voice.sla_targets.update(comparator=">=", target=95)
    plan = staffing.plan_day(voice, DAY)
    assert (plan.inputs.target, plan.inputs.target_source) == (95, "SLA target")
    assert plan_module.floor_target(voice.sla_targets.all()).target == 95


def test_a_closed_interval_needs_nobody_even_with_a_forecast():
    client = ClientFactory(code="CAL", timezone="Europe/London")
    calendar = ServiceCalendar.objects.create(code="CAL-OFFICE", client=client, name="Office")
    OpeningHours.objects.create(calendar=calendar, weekday=0, start=time(9), end=time(17))
    process = ProcessFactory(client=client, code="CAL-VOICE", channel="voice", calendar=calendar)
    forecast(process, at(process, DAY, 8, 45), 50, 180)  # closed
    forecast(process, at(process, DAY, 9), 50, 180)  # open
    plan = staffing.plan_day(process, DAY)
    closed, opened = (next(i for i in plan.intervals if i.start == at(process, DAY, 8, 45)),
                      next(i for i in plan.intervals if i.start == at(process, DAY, 9)))  # fmt: skip
    assert (closed.open, closed.forecast, closed.contacts, closed.required) == (False, True, 0, 0)
    assert opened.open and opened.contacts == 50 and opened.required > 0


def test_chat_concurrency_two_halves_the_handle_time():
    """Chat, concurrency 2: h = 360 ÷ 2 = 180 s, so 100 chats of 360 s in 30 min are C1 (14)."""
    client = ClientFactory(code="CHT", timezone="Europe/London")
    process = ProcessFactory(client=client, code="CHT-CHAT", channel="chat", interval_minutes=30)
    PlanningSettings.objects.create(process=process, concurrency=2)
    forecast(process, at(process, DAY, 10), 100, 360)
    row = next(i for i in staffing.plan_day(process, DAY).intervals if i.contacts)
    assert (row.aht, row.h, row.traffic, row.required, row.required_with_shrinkage) == (360, 180, 10, 14, 20)


def test_level_by_hand():
    # 4 agent-hours due within 30 min of open time over 15-minute intervals: 2 + 2.
    assert staffing.level([4, 0, 0, 0], [900] * 4, 1800) == [2, 2, 0, 0]
    # A closed interval in the way takes nothing and pushes the deadline on.
    assert staffing.level([4, 0, 0, 0], [900, 0, 900, 900], 1800) == [2, 0, 2, 0]
    # A half-open interval takes half a share.
    assert staffing.level([3, 0, 0], [900, 450, 900], 1800) == [1.5, 0.75, 0.75]
    # Two arrivals overlap: the second's share adds to the first's.
    assert staffing.level([2, 2, 0], [900] * 3, 1800) == [1, 2, 1]
    # Work due after the last interval is left out of it.
    assert staffing.level([0, 0, 4], [900] * 3, 1800) == [0, 0, 2]


def test_back_office_workload_rule_and_placement():
    """85 items of 360 s at 85 % occupancy: 85 × 360 ÷ 3600 ÷ 0.85 = 10 agent-hours, due within
    1 h (TAT): 2.5 agent-hours in each of the four quarter hours from 09:00 = 10 agents each,
    ⌈10 ÷ 0.7⌉ = 15 with shrinkage; SL and ASA null (no queue)."""
    client = ClientFactory(code="BOF", timezone="Europe/London")
    process = ProcessFactory(client=client, code="BOF-BO", channel="backoffice", tat_hours=1)
    forecast(process, at(process, DAY, 9), 85, 360)
    plan = staffing.plan_day(process, DAY)
    busy = [i for i in plan.intervals if i.required]
    assert [i.local_start.strftime("%H:%M") for i in busy] == ["09:00", "09:15", "09:30", "09:45"]
    assert all(i.workload_hours == pytest.approx(2.5) for i in busy)
    assert all((i.required, i.required_with_shrinkage) == (10, 15) for i in busy)
    assert all(i.service_level is None and i.asa is None and i.traffic is None for i in busy)
    assert plan.agent_hours == pytest.approx(10)
    assert plan.agent_hours_with_shrinkage == pytest.approx(10 / 0.7)


def test_back_office_work_of_the_evening_before_counts_the_next_morning():
    """TAT 2 h: 34 items × 360 s ÷ 3600 ÷ 0.85 = 4 agent-hours arriving at 23:30 the day before,
    0.5 h in each of the 8 quarter hours up to 01:30: 2 before midnight, 6 (3 h) on the day."""
    client = ClientFactory(code="BON", timezone="Europe/London")
    process = ProcessFactory(client=client, code="BON-BO", channel="email", tat_hours=2)
    forecast(process, at(process, DAY - timedelta(days=1), 23, 30), 34, 360)  # 34 × 0.1 h ÷ 0.85 = 4 h
    plan = staffing.plan_day(process, DAY)
    assert [round(i.workload_hours, 6) for i in plan.intervals[:7]] == [0.5] * 6 + [0]
    assert plan.agent_hours == pytest.approx(3)


@pytest.mark.parametrize("day,count", [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100), (DAY, 96)])
def test_dst_days_have_92_or_100_quarter_hours(day, count):
    client = ClientFactory(code=f"DST{count}", timezone="Europe/London")
    process = ProcessFactory(client=client, code=f"DST{count}-VOICE", channel="voice")
    starts = day_intervals(day, ZoneInfo("Europe/London"), 15)
    for start in starts:
        forecast(process, start, 50, 180)
    plan = staffing.plan_day(process, day)
    assert len(plan.intervals) == count
    assert {i.required for i in plan.intervals} == {staffing.plan_day(process, day).intervals[0].required}
    if count == 100:  # the repeated 01:00 hour: two intervals at local 01:00, one per offset
        ones = [i for i in plan.intervals if i.local_start.strftime("%H:%M") == "01:00"]
        assert len(ones) == 2 and ones[0].local_start.utcoffset() != ones[1].local_start.utcoffset()


def test_a_week_and_many_processes_read_a_bounded_number_of_queries(voice):
    for n in range(7):
        forecast(voice, at(voice, DAY + timedelta(days=n), 9), 100, 180)
    plans = staffing.plan_days(voice, staffing.week_days(DAY))
    assert [p.day for p in plans] == staffing.week_days(DAY)
    assert all(p.agent_hours == 7 and p.fte == 1.25 and p.peak_required == 20 for p in plans)
    others = [ProcessFactory(client=voice.client, code=f"STF-{n}") for n in range(5)]
    now = at(voice, DAY, 12)
    with CaptureQueriesContext(connection) as few:
        staffing.gaps_today([voice], now)
    with CaptureQueriesContext(connection) as many:
        gaps = staffing.gaps_today([voice, *others], now)
    assert len(many) == len(few)
    assert gaps[voice.pk].shortfall == 17 and gaps[others[0].pk].shortfall is None
