"""Workforce planning reads (WFM.md, "Forecast"), for pages, the API and the other planning
modules (staffing, the contract-aware plan).

Each takes a process already found in the caller's scope (`Process.objects.visible_to(user)`)
and reads only that process's rows. Times: `interval_start` is UTC, `local_start` the same
moment in the process's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from workforce import forecasting as fc
from workforce.intervals import history
from workforce.models import Forecast, ForecastAccuracy, ForecastAdjustment, ForecastMethod, ForecastRun


@dataclass(frozen=True)
class ForecastRow:
    """One interval's stored forecast: contacts after adjustments (`base_contacts` before), AHT in
    seconds, the method that made it."""

    interval_start: datetime  # UTC
    local_start: datetime  # in the process's zone
    local_date: date
    contacts: float
    base_contacts: float
    aht: float
    method: str


def forecast_range(process, start: date, end: date) -> list[ForecastRow]:
    """The stored forecast of local days [start, end], per interval in time order."""
    tz = ZoneInfo(process.timezone)
    rows = (
        Forecast.objects.of(process=process)
        .filter(local_date__range=(start, end))
        .order_by("interval_start")
        .values_list("interval_start", "local_date", "contacts", "base_contacts", "aht", "method")
    )
    return [ForecastRow(s, s.astimezone(tz), d, c, b, a, m) for s, d, c, b, a, m in rows]


def forecast_for_day(process, day: date) -> list[ForecastRow]:
    """The stored forecast of one local day (92, 96 or 100 quarter hours; [] when none)."""
    return forecast_range(process, day, day)


def forecast_latest_run(process) -> ForecastRun | None:
    """The process's most recent forecast run (method chosen, WAPE per method), or None."""
    return ForecastRun.objects.of(process=process).order_by("-created_at", "-pk").first()


def forecast_method(process) -> str | None:
    """The method of the process's current forecast (its latest run), or None before any run."""
    run = forecast_latest_run(process)
    return run.method if run else None


@dataclass(frozen=True)
class VersusActual:
    """A past interval: forecast against actual contacts, the Poisson band forecast ± 1.96 × √forecast
    and whether the actual falls outside it; AHTs in seconds (actual None when nothing handled)."""

    row: ForecastRow
    actual_contacts: int
    actual_aht: float | None
    low: float
    high: float

    @property
    def outside(self) -> bool:
        return not self.low <= self.actual_contacts <= self.high


def forecast_vs_actual(process, start: date, end: date, before: datetime | None = None) -> list[VersusActual]:
    """Per stored forecast interval of local days [start, end] that started before `before`
    (default: all), the actual contacts and AHT from the interval history."""
    rows = forecast_range(process, start, end)
    if before is not None:
        rows = [row for row in rows if row.interval_start < before]
    if not rows:
        return []
    actuals = history(process, start, end)
    out = []
    for row in rows:
        actual = actuals.get(row.interval_start)
        low, high = fc.poisson_band(row.contacts)
        contacts = actual.contacts if actual else 0
        out.append(VersusActual(row, contacts, actual.aht if actual else None, low, high))
    return out


@dataclass(frozen=True)
class MethodAccuracy:
    """A method's backtest: interval WAPE in % over all days (None when nothing arrived) and per day."""

    method: str
    label: str
    wape: float | None
    days: dict[date, float | None]


def forecast_accuracy(process) -> list[MethodAccuracy]:
    """The latest backtest per method (the ForecastAccuracy rows): WAPE overall and per local day,
    both ratios of summed parts (Σ|actual − forecast| ÷ Σ actual)."""
    by_method: dict[str, list[ForecastAccuracy]] = {}
    for row in ForecastAccuracy.objects.of(process=process).order_by("method", "local_date"):
        by_method.setdefault(row.method, []).append(row)
    out = []
    for method in fc.METHODS:
        rows = by_method.get(method, [])
        overall = fc.ratio_wape(sum(r.absolute_error for r in rows), sum(r.actual for r in rows))
        out.append(MethodAccuracy(method, ForecastMethod(method).label, overall, {r.local_date: r.wape for r in rows}))
    return out


def forecast_adjustment_list(process):
    """The process's adjustments (applied and withdrawn), newest first, with who made them."""
    return (
        ForecastAdjustment.objects.of(process=process)
        .select_related("created_by", "withdrawn_by")
        .order_by("-created_at", "-pk")
    )
