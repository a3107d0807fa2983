"""Open time by a service calendar (KPIS.md, "Service calendars"): pure functions, no queries
except in CalendarSpec.load.

A calendar's hours are wall-clock ranges [start, end) of a local day in the process's time zone.
Open time is real elapsed time: each range's ends are converted to UTC with zoneinfo, so a range
that spans a DST change lasts what the wall clock really gave (Europe/London, open 00:00–04:00:
3 h on the spring-forward Sunday, 5 h on the fall-back Sunday).

Local times that do not map to exactly one instant, one rule for both ends of a range: a wall-clock
time t stands for **the first moment the wall clock reads t or later** that day.

- Nonexistent (in the spring-forward gap, e.g. 01:30 in London on the change day): the instant of
  the jump. A range inside the gap lasts 0 s; 01:30–04:00 lasts 2 h.
- Ambiguous (the repeated hour after a fall-back, e.g. 01:30 in London on the change day): the
  first occurrence (fold=0). The service opens and closes the first time the clock shows the time.

Speed: the open seconds of every whole local day are precomputed once per calendar, zone and year
(prefix sums), so an item spanning a year costs two partial days and a few subtractions, not a
loop over 365 days. The caches live on the (immutable) spec; build one spec per calendar and
reuse it for all its items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Range = tuple[time, time]
_DAY = timedelta(days=1)
_END_OF_DAY = time.max  # the end of the always-open range: the next midnight


def _merge(ranges: Iterable[Range]) -> tuple[Range, ...]:
    """Sorted, overlapping or touching ranges merged, empty ones dropped."""
    merged: list[list[time]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _instant(day: date, clock: time, tz: tzinfo) -> float:
    """UTC timestamp of the first moment the wall clock of `tz` reads `clock` or later on `day`."""
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz)  # fold=0: the first occurrence of an ambiguous time
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc.timestamp()
    # In a gap: fold=0 gave an instant after the jump, fold=1 one before it. The jump lies between;
    # find it to the second (transitions are on whole seconds).
    lo = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    hi = int(utc.timestamp())
    before = datetime.fromtimestamp(lo, UTC).astimezone(tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return float(hi)


def _local_date(moment: datetime, tz: tzinfo) -> date:
    if moment.tzinfo is None:
        raise ValueError("open time needs aware datetimes (UTC or with an offset)")
    return moment.astimezone(tz).date()


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar's hours as plain data: `weekly[weekday]` (0 = Monday) and `holidays[date]`, each
    a tuple of merged (start, end) ranges; a holiday's tuple replaces its weekday's (empty = closed
    all day). `always` = no calendar, open 24 × 7."""

    weekly: tuple[tuple[Range, ...], ...] = ((),) * 7
    holidays: Mapping[date, tuple[Range, ...]] = field(default_factory=dict, hash=False)
    always: bool = False
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @classmethod
    def build(cls, hours: Iterable[tuple[int, time, time]], holidays: Iterable[tuple[date, time | None, time | None]]):
        """From (weekday, start, end) and (date, start or None, end or None) rows; a holiday row
        without hours closes the date (unless the same date also has rows with hours)."""
        weekly: list[list[Range]] = [[] for _ in range(7)]
        for weekday, start, end in hours:
            weekly[weekday].append((start, end))
        special: dict[date, list[Range]] = {}
        for day, start, end in holidays:
            special.setdefault(day, [])
            if start is not None and end is not None:
                special[day].append((start, end))
        return cls(
            weekly=tuple(_merge(r) for r in weekly),
            holidays={day: _merge(r) for day, r in special.items()},
        )

    @classmethod
    def load(cls, calendar) -> CalendarSpec:
        """From a ServiceCalendar: one query for its hours and one for its holidays, none when they
        were prefetched (`prefetch_related("hours", "holidays")`). None = always open."""
        if calendar is None:
            return cls.always_open()
        hours = [(h.weekday, h.start, h.end) for h in calendar.hours.all()]
        holidays = [(h.date, h.start, h.end) for h in calendar.holidays.all()]
        return cls.build(hours, holidays)

    @classmethod
    def always_open(cls) -> CalendarSpec:
        return cls(always=True)

    @property
    def is_open_24x7(self) -> bool:
        return self.always

    def ranges(self, local_day: date) -> list[Range]:
        """The open ranges of a local day; (00:00, time.max) = the whole day when always open."""
        if self.always:
            return [(time.min, _END_OF_DAY)]
        if local_day in self.holidays:
            return list(self.holidays[local_day])
        return list(self.weekly[local_day.weekday()])

    # --- open time -------------------------------------------------------------------------

    def _day(self, day: date, tz: tzinfo) -> tuple[tuple[float, float], ...]:
        """The day's open ranges as UTC timestamps (cached)."""
        key = ("d", tz, day)
        found = self._cache.get(key)
        if found is None:
            found = tuple((_instant(day, start, tz), _instant(day, end, tz)) for start, end in self.ranges(day))
            self._cache[key] = found
        return found

    def _year(self, year: int, tz: tzinfo) -> list[float]:
        """Prefix sums of whole-day open seconds over a year: [0, day 1, days 1-2, …]."""
        key = ("y", tz, year)
        table = self._cache.get(key)
        if table is None:
            table = [0.0]
            day = date(year, 1, 1)
            while day.year == year:
                table.append(table[-1] + sum(e - s for s, e in self._day_uncached(day, tz)))
                day += _DAY
            self._cache[key] = table
        return table

    def _day_uncached(self, day: date, tz: tzinfo):
        return tuple((_instant(day, s, tz), _instant(day, e, tz)) for s, e in self.ranges(day))

    def _whole_days(self, first: date, last: date, tz: tzinfo) -> float:
        """Open seconds of the whole local days first..last (inclusive; 0 when last < first)."""
        total = 0.0
        for year in range(first.year, last.year + 1):
            table = self._year(year, tz)
            jan1 = date(year, 1, 1)
            lo = (max(first, jan1) - jan1).days
            hi = (min(last, date(year, 12, 31)) - jan1).days + 1
            total += table[hi] - table[lo]
        return total

    def _clipped(self, day: date, tz: tzinfo, lo: float, hi: float) -> float:
        return sum(max(0.0, min(e, hi) - max(s, lo)) for s, e in self._day(day, tz))

    def open_seconds(self, start_utc: datetime, end_utc: datetime, tz: tzinfo) -> float:
        """Real elapsed open seconds between two aware datetimes (0 when end <= start). The clock
        starts at the next opening when `start_utc` falls while closed and stops while closed."""
        if end_utc <= start_utc:
            return 0.0
        if self.always:
            return (end_utc - start_utc).total_seconds()
        lo, hi = start_utc.timestamp(), end_utc.timestamp()
        first, last = _local_date(start_utc, tz), _local_date(end_utc, tz)
        if first == last:
            return self._clipped(first, tz, lo, hi)
        return (
            self._clipped(first, tz, lo, hi)
            + self._whole_days(first + _DAY, last - _DAY, tz)
            + self._clipped(last, tz, lo, hi)
        )

    open_in_interval = open_seconds
    """Open seconds inside an interval [start_utc, end_utc) (e.g. a 15-minute forecast interval)."""
