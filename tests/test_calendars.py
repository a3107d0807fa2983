"""calendars/open_time.py: open time by a service calendar (KPIS.md, "Service calendars"), pure."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.open_time import CalendarSpec

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600.0

# KPIS.md's example: Europe/London, open Mon–Fri 09:00–17:00, holiday 2026-12-25.
OFFICE = CalendarSpec.build([(d, time(9), time(17)) for d in range(5)], [(date(2026, 12, 25), None, None)])


def local(text, tz=LONDON):
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def hours(spec, start, end, tz=LONDON):
    return spec.open_seconds(local(start, tz), local(end, tz), tz) / HOUR


@pytest.mark.parametrize(
    ("item", "arrived", "ended", "open_hours", "within"),
    [
        ("E1", "2026-12-24 16:00", "2026-12-28 10:00", 2.0, True),
        ("E2", "2026-12-19 11:00", "2026-12-21 18:30", 8.0, True),
        ("E3", "2026-12-21 08:00", "2026-12-22 09:30", 8.5, False),
    ],
)
def test_kpis_worked_examples(item, arrived, ended, open_hours, within):
    assert hours(OFFICE, arrived, ended) == open_hours
    assert (open_hours * HOUR <= 8 * HOUR) is within


# Open 00:00–04:00 on Sundays: the DST change days of both zones are Sundays.
NIGHT = CalendarSpec.build([(6, time(0), time(4))], [])


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        (LONDON, "2026-03-29", 3.0),  # spring forward 01:00 -> 02:00
        (LONDON, "2026-10-25", 5.0),  # fall back 02:00 -> 01:00
        (NEW_YORK, "2026-03-08", 3.0),  # 02:00 -> 03:00
        (NEW_YORK, "2026-11-01", 5.0),  # 02:00 -> 01:00
        (LONDON, "2026-03-22", 4.0),  # an ordinary Sunday
    ],
)
def test_a_range_spanning_a_dst_change_lasts_what_the_clock_gave(tz, day, expected):
    assert hours(NIGHT, f"{day} 00:00", f"{day} 23:00", tz) == expected
    # the same through the whole-day table (an item spanning the day and more)
    start = datetime.fromisoformat(f"{day} 12:00").replace(tzinfo=tz) - timedelta(days=3)
    end = start + timedelta(days=6)
    assert NIGHT.open_seconds(start, end, tz) / HOUR == expected


def test_nonexistent_and_ambiguous_times():
    # 01:30 does not exist in London on 2026-03-29: it stands for the jump (01:00 GMT = 02:00 BST).
    gap = CalendarSpec.build([(6, time(1, 30), time(4))], [])
    assert hours(gap, "2026-03-29 00:00", "2026-03-29 23:00") == 2.0
    inside = CalendarSpec.build([(6, time(1, 15), time(1, 45))], [])
    assert hours(inside, "2026-03-29 00:00", "2026-03-29 23:00") == 0.0
    # 01:30 happens twice on 2026-10-25: the first occurrence (BST) opens and closes.
    twice = CalendarSpec.build([(6, time(0), time(1, 30))], [])
    assert hours(twice, "2026-10-25 00:00", "2026-10-25 23:00") == 1.5


def test_holiday_with_special_hours_replaces_the_weekday():
    spec = CalendarSpec.build(
        [(d, time(9), time(17)) for d in range(5)],
        [(date(2026, 12, 24), time(9), time(12)), (date(2026, 12, 24), time(13), time(14))],
    )
    assert spec.ranges(date(2026, 12, 24)) == [(time(9), time(12)), (time(13), time(14))]
    assert spec.ranges(date(2026, 12, 23)) == [(time(9), time(17))]
    assert hours(spec, "2026-12-24 00:00", "2026-12-25 00:00") == 4.0
    assert hours(spec, "2026-12-24 11:00", "2026-12-24 13:30") == 1.5


def test_a_holiday_closed_all_day():
    assert OFFICE.ranges(date(2026, 12, 25)) == []
    assert hours(OFFICE, "2026-12-25 00:00", "2026-12-26 00:00") == 0.0


def test_several_ranges_a_day_and_overlaps_merged():
    spec = CalendarSpec.build([(0, time(9), time(12)), (0, time(13), time(17)), (0, time(11), time(12, 30))], [])
    assert spec.ranges(date(2026, 12, 21)) == [(time(9), time(12, 30)), (time(13), time(17))]
    assert hours(spec, "2026-12-21 12:00", "2026-12-21 14:00") == 1.5


def test_arrival_while_closed_starts_at_the_next_opening():
    assert hours(OFFICE, "2026-12-21 06:00", "2026-12-21 09:30") == 0.5
    assert hours(OFFICE, "2026-12-18 20:00", "2026-12-21 10:00") == 1.0
    assert hours(OFFICE, "2026-12-19 10:00", "2026-12-20 10:00") == 0.0


def test_end_before_start_is_zero():
    assert hours(OFFICE, "2026-12-22 10:00", "2026-12-21 10:00") == 0.0
    assert hours(OFFICE, "2026-12-22 10:00", "2026-12-22 10:00") == 0.0


def test_no_calendar_is_the_plain_duration():
    spec = CalendarSpec.always_open()
    assert spec.is_open_24x7 and not OFFICE.is_open_24x7
    assert CalendarSpec.load(None).is_open_24x7
    start = local("2026-03-28 10:00")
    assert spec.open_seconds(start, start + timedelta(hours=30), LONDON) == 30 * HOUR
    assert spec.open_in_interval(start, start + timedelta(minutes=15), LONDON) == 900.0


def test_open_in_interval():
    start = local("2026-12-21 08:45")
    assert OFFICE.open_in_interval(start, start + timedelta(minutes=30), LONDON) == 900.0


def test_a_year_long_span():
    # 2026 has 261 weekdays, less the Christmas holiday; BST is whole weekdays away from a change.
    assert hours(OFFICE, "2026-01-01 00:00", "2027-01-01 00:00") == 260 * 8
    # and across years: 1 h of 2025-12-31, 2026, Friday 2027-01-01, then 0.5 h on Monday
    assert hours(OFFICE, "2025-12-31 16:00", "2027-01-04 09:30") == 1 + 260 * 8 + 8 + 0.5


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        OFFICE.open_seconds(datetime(2026, 1, 1, 9), datetime(2026, 1, 2, 9), LONDON)


SPLIT = CalendarSpec.build(
    [(0, time(9), time(12)), (0, time(13), time(17)), (2, time(0), time(4)), (6, time(0, 30), time(3))]
    + [(d, time(8), time(20)) for d in (1, 3, 4)],
    [(date(2026, 3, 31), time(10), time(11)), (date(2026, 10, 27), None, None)],
)
moments = st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(a=moments, b=moments, c=moments, tz=st.sampled_from([LONDON, NEW_YORK]))
def test_open_time_is_additive_and_at_most_the_duration(a, b, c, tz):
    a, b, c = sorted((a, b, c))
    whole = SPLIT.open_seconds(a, c, tz)
    assert whole == pytest.approx(SPLIT.open_seconds(a, b, tz) + SPLIT.open_seconds(b, c, tz), abs=1e-3)
    assert 0 <= whole <= (c - a).total_seconds() + 1e-6


@pytest.mark.django_db
def test_load_from_a_calendar_in_two_queries_or_none_prefetched(django_assert_num_queries):
    from calendars.models import Holiday, OpeningHours, ServiceCalendar
    from tests.factories import ClientFactory

    calendar = ServiceCalendar.objects.create(code="CAL-1", client=ClientFactory(), name="Office")
    OpeningHours.objects.bulk_create(
        [OpeningHours(calendar=calendar, weekday=d, start=time(9), end=time(17)) for d in range(5)]
    )
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 25), name="Christmas Day")
    with django_assert_num_queries(2):
        spec = CalendarSpec.load(calendar)
    assert spec == OFFICE
    fetched = ServiceCalendar.objects.prefetch_related("hours", "holidays").get(pk=calendar.pk)
    with django_assert_num_queries(0):
        assert CalendarSpec.load(fetched) == OFFICE


def _naive(spec, start, end, tz):
    """The reference: every local day of the span, its ranges clipped to [start, end]."""
    total, day = 0.0, start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        for s, e in spec._day_uncached(day, tz):
            total += max(0.0, min(e, end.timestamp()) - max(s, start.timestamp()))
        day += timedelta(days=1)
    return total


long_moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(a=long_moments, b=long_moments, tz=st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Lord_Howe")]))
def test_the_whole_day_tables_agree_with_a_day_by_day_loop(a, b, tz):
    a, b = sorted((a, b))
    assert SPLIT.open_seconds(a, b, tz) == pytest.approx(_naive(SPLIT, a, b, tz), abs=1e-3)


def test_a_long_span_reads_the_year_tables_not_every_day():
    spec = CalendarSpec.build([(d, time(9), time(17)) for d in range(5)], [])
    spec.open_seconds(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC), LONDON)
    assert len([key for key in spec._cache if key[0] == "d"]) == 2  # the first and the last day
    assert len([key for key in spec._cache if key[0] == "y"]) == 7


def test_many_items_are_fast():
    import time as clock

    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    began = clock.perf_counter()
    for n in range(20_000):
        arrived = start + timedelta(minutes=37 * n)
        OFFICE.open_seconds(arrived, arrived + timedelta(hours=n % 400), LONDON)
    assert clock.perf_counter() - began < 10  # about 0.3 s on the development machine
