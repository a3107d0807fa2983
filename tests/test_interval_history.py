"""The interval history (WFM.md, "Intervals"): per (process, 15-minute interval) queue components
written by the KPI engine with the daily ones; summed over a local day they equal the day's
components exactly, DST days included; a 30-minute process reads pairs on its local clock."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes.models import Interaction
from reporting import engine
from reporting.models import DailyKpi, IntervalKpi
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory
from tests.kpi_helpers import load, row
from workforce import intervals

pytestmark = pytest.mark.django_db

CHECKED = ("offered", "received", "short_abandoned", "abandoned", "answered", "answered_within", "abandoned_within",
           "handled", "handle_seconds", "sl_numerator", "sl_denominator")  # fmt: skip

# DST days (23- and 25-hour local days) and a zone at +05:45, where local quarter hours are UTC
# quarter hours but local half hours are not UTC half hours.
ZONES = {
    "LON": ("Europe/London", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 10, 26)]),
    "NYC": ("America/New_York", [date(2026, 3, 8), date(2026, 11, 1)]),
    "KTM": ("Asia/Kathmandu", [date(2026, 6, 1)]),
}


@pytest.fixture
def zoned():
    team = TeamFactory(code="T-IV")
    made = {}
    for code, (tz, _days) in ZONES.items():
        client = ClientFactory(code=f"C-{code}", timezone=tz)
        voice = ProcessFactory(client=client, code=f"{code}-VOICE", timezone=tz, channel="voice")
        back = ProcessFactory(client=client, code=f"{code}-BO", timezone=tz, channel="backoffice")
        AgentFactory(code=f"A-{code}", team=team, processes=[voice, back])
        made[code] = (voice, back)
    return made


def _rows(code: str, draws: list[tuple]) -> list[dict]:
    tz_name, days = ZONES[code]
    tz = ZoneInfo(tz_name)
    rows = []
    for n, (day_index, second, wait, abandoned, talk, back_office) in enumerate(draws):
        day = days[day_index % len(days)]
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        arrived = start + timedelta(seconds=second % int((end - start).total_seconds()))
        process = f"{code}-BO" if back_office else f"{code}-VOICE"
        if abandoned:
            rows.append(row(f"{code}-{n}", arrived.isoformat(), process=process, abandoned=True,
                            ended_at=(arrived + timedelta(seconds=wait)).isoformat()))  # fmt: skip
        else:
            answered = arrived + timedelta(seconds=wait)
            rows.append(row(f"{code}-{n}", arrived.isoformat(), process=process, agent=f"A-{code}",
                            answered_at=answered.isoformat(),
                            ended_at=(answered + timedelta(seconds=talk)).isoformat(), talk=talk))  # fmt: skip
    return rows


DRAW = st.tuples(
    st.integers(0, 5),
    st.integers(0, 100 * 3600),
    st.integers(0, 120),
    st.booleans(),
    st.integers(1, 900),
    st.booleans(),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draws=st.lists(DRAW, min_size=1, max_size=60))
def test_interval_history_sums_to_the_daily_components_on_dst_days(zoned, draws):
    Interaction.objects.all().delete()
    rows = [r for code in ZONES for r in _rows(code, draws)]
    report = load(rows)
    assert not getattr(report, "errors", None), report
    engine.recompute_all()  # a full recompute writes the same history as the incremental one
    daily = {
        (r["process_id"], r["local_date"]): r
        for r in DailyKpi.objects.values("process_id", "local_date").annotate(**{c: Sum(c) for c in CHECKED})
    }
    interval = {
        (r["process_id"], r["local_date"]): r
        for r in IntervalKpi.objects.values("process_id", "local_date").annotate(**{c: Sum(c) for c in CHECKED})
    }
    assert daily.keys() == interval.keys()
    for key, sums in daily.items():
        assert {c: sums[c] for c in CHECKED} == {c: interval[key][c] for c in CHECKED}, key
    # Wait seconds are floats: equal up to rounding of the sum's order.
    waits = DailyKpi.objects.values("process_id", "local_date").annotate(w=Sum("wait_seconds"))
    interval_waits = {
        (r["process_id"], r["local_date"]): r["w"]
        for r in IntervalKpi.objects.values("process_id", "local_date").annotate(w=Sum("wait_seconds"))
    }
    for r in waits:
        assert interval_waits[(r["process_id"], r["local_date"])] == pytest.approx(r["w"])


def test_each_interaction_lands_in_its_local_quarter_hour_of_its_local_day(zoned):
    tz = ZoneInfo("Europe/London")
    # 2026-10-25: 01:00-02:00 local happens twice (BST then GMT); 25 hours, 100 quarter hours.
    first = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)  # 01:50 BST
    second = datetime(2026, 10, 25, 1, 50, tzinfo=UTC)  # 01:50 GMT
    late = datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC)  # 23:59:59 GMT, still the 25th
    rows = [
        row(f"x{n}", moment.isoformat(), process="LON-VOICE", agent="A-LON",
            answered_at=(moment + timedelta(seconds=5)).isoformat(),
            ended_at=(moment + timedelta(seconds=65)).isoformat(), talk=60)
        for n, moment in enumerate([first, second, late])
    ]  # fmt: skip
    load(rows)
    stored = list(IntervalKpi.objects.order_by("interval_start").values_list("local_date", "interval_start", "offered"))
    assert stored == [
        (date(2026, 10, 25), datetime(2026, 10, 25, 0, 45, tzinfo=UTC), 1),
        (date(2026, 10, 25), datetime(2026, 10, 25, 1, 45, tzinfo=UTC), 1),
        (date(2026, 10, 25), datetime(2026, 10, 25, 23, 45, tzinfo=UTC), 1),
    ]
    assert len(intervals.day_intervals(date(2026, 10, 25), tz)) == 100
    assert len(intervals.day_intervals(date(2026, 3, 29), tz)) == 92
    assert len(intervals.day_intervals(date(2026, 3, 30), tz)) == 96
    assert len(intervals.day_intervals(date(2026, 10, 25), tz, 30)) == 50


def test_a_thirty_minute_process_pairs_quarter_hours_on_its_local_clock(zoned):
    voice = zoned["KTM"][0]
    voice.interval_minutes = 30
    voice.save()
    tz = ZoneInfo("Asia/Kathmandu")  # +05:45: local 10:00 is 04:15 UTC
    local = [datetime(2026, 6, 1, 10, 5, tzinfo=tz), datetime(2026, 6, 1, 10, 20, tzinfo=tz),
             datetime(2026, 6, 1, 10, 31, tzinfo=tz)]  # fmt: skip
    rows = [
        row(f"k{n}", moment.isoformat(), process="KTM-VOICE", agent="A-KTM",
            answered_at=(moment + timedelta(seconds=10)).isoformat(),
            ended_at=(moment + timedelta(seconds=130)).isoformat(), talk=100 + 100 * n)
        for n, moment in enumerate(local)
    ]  # fmt: skip
    load(rows)
    assert IntervalKpi.objects.count() == 3  # 10:00, 10:15 and 10:30 local quarter hours
    voice.refresh_from_db()
    history = intervals.history(voice, date(2026, 6, 1), date(2026, 6, 1))
    ten = datetime(2026, 6, 1, 10, 0, tzinfo=tz).astimezone(UTC)
    half_past = datetime(2026, 6, 1, 10, 30, tzinfo=tz).astimezone(UTC)
    assert list(history) == [ten, half_past]
    assert history[ten].contacts == 2 and history[ten].aht == 150
    assert history[half_past].contacts == 1 and history[half_past].aht == 300
    starts = intervals.day_intervals(date(2026, 6, 1), tz, 30)
    assert ten in starts and half_past in starts and len(starts) == 48


def test_a_recompute_rewrites_the_history_and_removing_the_rows_removes_it(zoned):
    moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    load([row("r1", moment.isoformat(), process="KTM-VOICE", abandoned=True,
              ended_at=(moment + timedelta(seconds=40)).isoformat())])  # fmt: skip
    assert IntervalKpi.objects.get().abandoned == 1
    engine.recompute_all()
    engine.recompute_all()
    assert IntervalKpi.objects.count() == 1
    Interaction.objects.all().delete()
    engine.recompute_range(zoned["KTM"][0])
    assert not IntervalKpi.objects.exists()
