"""Interval history read per a process's planning interval (WFM.md, "Intervals").

The engine stores queue components per UTC 15-minute interval (reporting.IntervalKpi). Every
real UTC offset is a multiple of 15 minutes, so those are local 15-minute intervals too; a process
planning in 30-minute intervals reads pairs of them, paired on its local wall clock (a local
30-minute interval of a zone at +05:45 starts at UTC :15 or :45). A local day has 92, 96 or 100
quarter hours across DST changes (46, 48 or 50 half hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reporting.models import IntervalKpi

COMPONENTS = ("offered", "received", "answered", "answered_within", "abandoned", "abandoned_within",
              "short_abandoned", "handled", "handle_seconds", "wait_seconds", "sl_numerator",
              "sl_denominator")  # fmt: skip


@dataclass
class IntervalActual:
    """The summed components of one planning interval of a process."""

    start: datetime  # UTC
    values: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0))

    @property
    def contacts(self) -> int:
        """The work that arrived: queue contacts offered (voice, chat, email) or back-office items
        received; one process has one channel, so one of the two is 0."""
        return int(self.values["offered"] + self.values["received"])

    @property
    def aht(self) -> float | None:
        """Average handle time in seconds (KPIS.md): Σ handle ÷ handled; None when none handled."""
        handled = self.values["handled"]
        return self.values["handle_seconds"] / handled if handled else None

    @property
    def service_level(self) -> float | None:
        denominator = self.values["sl_denominator"]
        return self.values["sl_numerator"] / denominator * 100 if denominator else None

    @property
    def asa(self) -> float | None:
        answered = self.values["answered"]
        return self.values["wait_seconds"] / answered if answered else None


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day (DST days are 23 or 25 hours long)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def day_intervals(day: date, tz: ZoneInfo, minutes: int = 15) -> list[datetime]:
    """UTC starts of the local day's planning intervals, in order."""
    start, end = day_bounds(day, tz)
    step = timedelta(minutes=minutes)
    count = int((end - start) / step)
    return [start + n * step for n in range(count)]


def planning_start(moment: datetime, tz: ZoneInfo, minutes: int) -> datetime:
    """The UTC start of the planning interval holding the 15-minute interval `moment`: for 30
    minutes, back to the local :00 or :30 (the offset is fixed within a quarter hour)."""
    if minutes == 15:
        return moment
    local = moment.astimezone(tz)
    return moment - timedelta(minutes=local.minute % minutes)


def history(process, start: date, end: date) -> dict[datetime, IntervalActual]:
    """The process's interval history over local days [start, end], keyed by the UTC start of each
    planning interval (only intervals with interactions are present)."""
    tz = ZoneInfo(process.timezone)
    rows = (
        IntervalKpi.objects.of(process=process)
        .filter(local_date__range=(start, end))
        .order_by("interval_start")
        .values_list("interval_start", *COMPONENTS)
    )
    return combine(rows, tz, process.interval_minutes)


def combine(rows: Iterable[tuple], tz: ZoneInfo, minutes: int) -> dict[datetime, IntervalActual]:
    """Sum (interval_start, *COMPONENTS) rows of 15-minute intervals into planning intervals."""
    out: dict[datetime, IntervalActual] = {}
    for row in rows:
        key = planning_start(row[0].astimezone(UTC), tz, minutes)
        actual = out.get(key)
        if actual is None:
            actual = out[key] = IntervalActual(key)
        for name, value in zip(COMPONENTS, row[1:], strict=True):
            actual.values[name] += value
    return out
