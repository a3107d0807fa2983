"""Forecasting methods, the backtest and WAPE (WFM.md, "Forecast"): pure functions on numbers, no
queries (workforce.services loads the history and writes the results).

A local day's planning intervals are keyed by their local wall-clock start (minutes after
midnight) and fold (1 for the repeated hour of a fall-back day), so "the same interval one week
earlier" is the same wall-clock time a week earlier, across DST changes: a fall-back day's
repeated hour (100 quarter hours) reads the one hour of the week before; a spring-forward day
(92) has no forecast for the hour that does not exist, and a normal day after one leaves that
week out of the intervals it lacks.

Methods, each forecasting the days on or after an origin from the history strictly before it:

- **seasonal naive**: the same interval on the most recent same weekday before the origin (one
  week earlier for a one-day-ahead forecast).
- **weighted weeks**: the same weekday and interval over the last N weeks before the origin
  (PlanningSettings.weighted_weeks, default 8) with linear weights N, N−1, …, 1, the most recent
  week weighing N. Weeks before the history starts are left out (not counted as 0): with three
  weeks of history the weights are N, N−1, N−2, normalised.
- **statistical**: AutoETS (statsforecast, model "ANA": additive error, no trend, additive weekly
  season of 7 days) fitted on the daily totals of the last 13 weeks (weekly seasonality), spread
  over the day by the weighted-weeks intraday profile of that weekday (daily seasonality). It
  needs at least 4 weeks (28 days) of history before the origin. Why not MSTL on the interval
  series: a fit on 15-minute data took ~2.4 s here, and the backtest refits it for every one of
  28 days; AutoETS "ANA" on daily totals fits in ~5 ms (docs/wfm.md has the measurements).

AHT per interval (every method): Σ handle seconds ÷ Σ handled over the weighted-weeks weeks,
each week weighted like its contacts, so an interval's AHT is weighted by the contacts handled.
Where those weeks handled nothing in the interval: the same weeks' whole-day AHT; where they
handled nothing all day: the AHT over the whole history loaded; with none at all, 0 s.

WAPE = Σ|actual − forecast| ÷ Σ actual × 100 over intervals (undefined, None, when nothing
arrived). The backtest is a rolling origin, one day ahead: each day forecast from the history
strictly before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from workforce.intervals import day_intervals
from workforce.models import ForecastMethod

Key = tuple[int, int]  # (local wall-clock minute of the interval's start, fold)
METHODS = (ForecastMethod.SEASONAL_NAIVE, ForecastMethod.WEIGHTED_WEEKS, ForecastMethod.STATISTICAL)
DEFAULT_METHOD = ForecastMethod.WEIGHTED_WEEKS
STATISTICAL_MIN_DAYS = 28
STATISTICAL_FIT_DAYS = 91  # 13 weeks of daily totals
BACKTEST_DAYS = 28
HORIZON_DAYS = 42
_WEEK = timedelta(days=7)
_KEYS: dict[tuple[Key, ...], tuple[Key, ...]] = {}


def wape(actual: Iterable[float], forecast: Iterable[float]) -> float | None:
    """Weighted absolute percentage error in %: Σ|actual − forecast| ÷ Σ actual × 100; None when
    Σ actual is 0. [100, 120, 80, 0] against [110, 100, 80, 5]: 35 ÷ 300 = 11.67 %."""
    a = np.asarray(list(actual), dtype=float)
    f = np.asarray(list(forecast), dtype=float)
    total = a.sum()
    return float(np.abs(a - f).sum() / total * 100) if total else None


def ratio_wape(absolute_error: float, actual: float) -> float | None:
    """WAPE in % from the summed parts (Σ|a − f|, Σ a); None when nothing arrived."""
    return absolute_error / actual * 100 if actual else None


def weights(count: int, n: int) -> np.ndarray:
    """Linear weights of the `count` most recent weeks out of N: N, N−1, …, most recent first."""
    return np.arange(n, n - count, -1, dtype=float)


@dataclass(frozen=True)
class DayFrame:
    """One local day's planning intervals: UTC starts, wall-clock keys and their positions."""

    day: date
    starts: tuple[datetime, ...]
    keys: tuple[Key, ...]
    index: Mapping[Key, int]


def day_frame(day: date, tz: ZoneInfo, minutes: int) -> DayFrame:
    """The intervals of a local day (92, 96 or 100 quarter hours across DST)."""
    starts = tuple(day_intervals(day, tz, minutes))
    keys = []
    for start in starts:
        local = start.astimezone(tz)
        keys.append((local.hour * 60 + local.minute, local.fold))
    interned = _KEYS.setdefault(tuple(keys), tuple(keys))  # normal days share one tuple: fast compare
    return DayFrame(day, starts, interned, {key: n for n, key in enumerate(interned)})


@dataclass
class DayValues:
    """A history day's contacts, handled and handle seconds per interval of its frame."""

    frame: DayFrame
    contacts: np.ndarray
    handled: np.ndarray
    handle_seconds: np.ndarray

    def aligned(self, frame: DayFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The values at another day's intervals (same wall-clock key; a repeated-hour interval
        reads the day's only one); NaN where this day has no such interval (a DST gap)."""
        if frame.keys is self.frame.keys:
            return self.contacts, self.handled, self.handle_seconds
        positions = [self.frame.index.get(key, self.frame.index.get((key[0], 0), -1)) for key in frame.keys]
        take = np.asarray(positions)
        missing = take < 0
        out = []
        for values in (self.contacts, self.handled, self.handle_seconds):
            picked = values[np.where(missing, 0, take)].astype(float)
            picked[missing] = np.nan
            out.append(picked)
        return out[0], out[1], out[2]


@dataclass
class History:
    """A process's interval history per local day, every day from the first loaded one to the
    last (days without contacts are zeros). `first_day`: when the history starts (weeks before
    it are left out); `fallback_aht`: the AHT over all loaded days (None when nothing handled)."""

    tz: ZoneInfo
    minutes: int
    first_day: date | None
    days: dict[date, DayValues] = field(default_factory=dict)
    fallback_aht: float | None = None
    _frames: dict[date, DayFrame] = field(default_factory=dict, repr=False)

    def frame(self, day: date) -> DayFrame:
        found = self._frames.get(day)
        if found is None:
            found = self._frames[day] = day_frame(day, self.tz, self.minutes)
        return found


def build_history(rows: Mapping[datetime, object], tz: ZoneInfo, minutes: int, first_day: date | None,
                  start: date, end: date) -> History:  # fmt: skip
    """History from workforce.intervals.history(...) ({UTC start: IntervalActual}) over local
    days [max(start, first_day), end]."""
    history = History(tz, minutes, first_day)
    if first_day is None:
        return history
    day = max(start, first_day)
    while day <= end:
        frame = history.frame(day)
        size = len(frame.keys)
        history.days[day] = DayValues(frame, np.zeros(size), np.zeros(size), np.zeros(size))
        day += timedelta(days=1)
    for moment, actual in rows.items():
        local = moment.astimezone(tz)
        values = history.days.get(local.date())
        position = values.frame.index.get((local.hour * 60 + local.minute, local.fold)) if values else None
        if position is None:
            continue
        values.contacts[position] = actual.contacts
        values.handled[position] = actual.values["handled"]
        values.handle_seconds[position] = actual.values["handle_seconds"]
    handled = sum(float(v.handled.sum()) for v in history.days.values())
    seconds = sum(float(v.handle_seconds.sum()) for v in history.days.values())
    history.fallback_aht = seconds / handled if handled else None
    return history


@dataclass(frozen=True)
class DayForecast:
    """Forecast contacts and AHT (s) per interval of one local day, by one method."""

    frame: DayFrame
    method: str
    contacts: np.ndarray
    aht: np.ndarray


def same_weekdays(history: History, day: date, origin: date, n: int) -> list[date]:
    """The n most recent days of `day`'s weekday before `origin` (most recent first), leaving out
    those before the history starts or not loaded."""
    first = day - _WEEK * ((day - origin).days // 7 + 1)
    found = []
    while len(found) < n and first in history.days:
        found.append(first)
        first -= _WEEK
    return found


def _weighted(history: History, frame: DayFrame, sources: Sequence[date], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean contacts and handle-weighted AHT of `sources` at `frame`'s intervals."""
    w = weights(len(sources), n)[:, None]
    stacks = [np.vstack(parts) for parts in zip(*(history.days[d].aligned(frame) for d in sources), strict=True)]
    contacts, handled, seconds = stacks
    present = ~np.isnan(contacts)
    weight_sum = (w * present).sum(axis=0)
    mean = np.divide(np.nansum(w * contacts, axis=0), weight_sum, out=np.zeros(len(frame.keys)), where=weight_sum > 0)
    handled_w = np.nansum(w * handled, axis=0)
    seconds_w = np.nansum(w * seconds, axis=0)
    day_handled = handled_w.sum()
    fallback = seconds_w.sum() / day_handled if day_handled else (history.fallback_aht or 0.0)
    aht = np.divide(seconds_w, handled_w, out=np.full(len(frame.keys), fallback), where=handled_w > 0)
    return mean, aht


def weighted_weeks(history: History, day: date, origin: date, n: int) -> DayForecast | None:
    """The weighted-weeks forecast of `day` from the history before `origin` (None without any
    same weekday in the history)."""
    sources = same_weekdays(history, day, origin, n)
    if not sources:
        return None
    frame = history.frame(day)
    contacts, aht = _weighted(history, frame, sources, n)
    return DayForecast(frame, ForecastMethod.WEIGHTED_WEEKS, contacts, aht)


def seasonal_naive(history: History, day: date, origin: date, n: int) -> DayForecast | None:
    """The same intervals of the most recent same weekday before `origin`; the AHT as weighted
    weeks (over n weeks), since one week's handle time per interval is too thin."""
    sources = same_weekdays(history, day, origin, 1)
    if not sources:
        return None
    frame = history.frame(day)
    contacts, _ = _weighted(history, frame, sources, 1)
    _, aht = _weighted(history, frame, same_weekdays(history, day, origin, n), n)
    return DayForecast(frame, ForecastMethod.SEASONAL_NAIVE, contacts, aht)


def daily_totals(history: History, origin: date) -> np.ndarray | None:
    """Contacts per local day over the last STATISTICAL_FIT_DAYS before `origin`, oldest first;
    None with fewer than STATISTICAL_MIN_DAYS days of history."""
    days = [origin - timedelta(days=k) for k in range(STATISTICAL_FIT_DAYS, 0, -1)]
    totals = [float(history.days[d].contacts.sum()) for d in days if d in history.days]
    if len(totals) < STATISTICAL_MIN_DAYS:
        return None
    return np.asarray(totals)


def ets_daily(totals: np.ndarray, horizon: int) -> np.ndarray:
    """AutoETS "ANA" (weekly season) forecast of the next `horizon` daily totals, at least 0."""
    if not totals.any():
        return np.zeros(horizon)
    # statsforecast takes seconds to import (numba): only the statistical method pays for it.
    from statsforecast.models import AutoETS  # noqa: PLC0415

    mean = AutoETS(season_length=7, model="ANA").forecast(y=totals, h=horizon)["mean"]
    return np.clip(np.nan_to_num(np.asarray(mean, dtype=float)), 0, None)


def statistical(history: History, days: Sequence[date], origin: date, n: int) -> dict[date, DayForecast]:
    """The statistical forecast of `days` (all on or after `origin`): one AutoETS fit of the daily
    totals before `origin`, each day's total spread by the weighted-weeks profile of its weekday."""
    totals = daily_totals(history, origin)
    if totals is None or not days:
        return {}
    horizon = (max(days) - origin).days + 1
    daily = ets_daily(totals, horizon)
    out = {}
    for day in days:
        shape = weighted_weeks(history, day, origin, n)
        if shape is None:
            continue
        profile_sum = shape.contacts.sum()
        profile = shape.contacts / profile_sum if profile_sum else shape.contacts
        contacts = profile * daily[(day - origin).days]
        out[day] = DayForecast(shape.frame, ForecastMethod.STATISTICAL, contacts, shape.aht)
    return out


def forecast_days(history: History, method: str, days: Sequence[date], origin: date, n: int) -> dict[date, DayForecast]:
    """One method's forecasts of `days` (on or after `origin`) from the history before `origin`;
    days it cannot forecast are absent."""
    if method == ForecastMethod.STATISTICAL:
        return statistical(history, days, origin, n)
    single = seasonal_naive if method == ForecastMethod.SEASONAL_NAIVE else weighted_weeks
    out = {}
    for day in days:
        found = single(history, day, origin, n)
        if found is not None:
            out[day] = found
    return out


def closed_to_zero(forecast: DayForecast, open_mask: np.ndarray | None) -> DayForecast:
    """Intervals outside the service calendar (mask False) are forecast at 0 contacts."""
    if open_mask is None or open_mask.all():
        return forecast
    return DayForecast(forecast.frame, forecast.method, np.where(open_mask, forecast.contacts, 0.0), forecast.aht)


@dataclass(frozen=True)
class DayAccuracy:
    """One method's backtest of one day: Σ actual, Σ forecast, Σ|actual − forecast| (contacts)."""

    method: str
    day: date
    actual: float
    forecast: float
    absolute_error: float


@dataclass
class Backtest:
    """Per method, the day-ahead forecasts and accuracy of the backtest days, and the interval
    WAPE over them (None when the method could not run on every day the others ran)."""

    forecasts: dict[str, dict[date, DayForecast]] = field(default_factory=dict)
    accuracy: dict[str, list[DayAccuracy]] = field(default_factory=dict)
    wape: dict[str, float | None] = field(default_factory=dict)


def backtest(history: History, days: Sequence[date], n: int, masks: Mapping[date, np.ndarray | None]) -> Backtest:
    """Rolling origin, one day ahead: each day of `days` forecast by every method from the history
    strictly before it, scored against the day's actual contacts per interval."""
    result = Backtest()
    scored = [day for day in days if day in history.days]
    for method in METHODS:
        forecasts, accuracy = {}, []
        for day in scored:
            found = forecast_days(history, method, [day], day, n).get(day)
            if found is None:
                continue
            found = forecasts[day] = closed_to_zero(found, masks.get(day))
            actual = history.days[day].contacts
            accuracy.append(DayAccuracy(method, day, float(actual.sum()), float(found.contacts.sum()),
                                        float(np.abs(actual - found.contacts).sum())))  # fmt: skip
        result.forecasts[method], result.accuracy[method] = forecasts, accuracy
    covered = {method: {a.day for a in rows} for method, rows in result.accuracy.items()}
    widest = max((len(days) for days in covered.values()), default=0)
    for method, rows in result.accuracy.items():
        complete = rows and len(covered[method]) == widest
        total = sum(a.actual for a in rows)
        result.wape[method] = ratio_wape(sum(a.absolute_error for a in rows), total) if complete else None
    return result


def choose_method(wapes: Mapping[str, float | None], pinned: str = "") -> str:
    """The pinned method, else the lowest interval WAPE (ties and no WAPE at all: weighted weeks)."""
    if pinned:
        return pinned
    best, best_wape = DEFAULT_METHOD, wapes.get(DEFAULT_METHOD)
    for method in METHODS:
        value = wapes.get(method)
        if value is not None and (best_wape is None or value < best_wape):
            best, best_wape = method, value
    return best


def adjustment_factors(
    starts: Sequence[datetime], adjustments: Iterable[tuple[datetime, datetime, float]]
) -> np.ndarray:
    """Π(1 + percent ÷ 100) of the adjustments (start, end, percent) whose [start, end) holds the
    interval's start, per interval (1 where none does)."""
    factors = np.ones(len(starts))
    for low, high, percent in adjustments:
        for n, start in enumerate(starts):
            if low <= start < high:
                factors[n] *= 1 + percent / 100
    return factors


def poisson_band(forecast: float) -> tuple[float, float]:
    """The noise band forecast ± 1.96 × √forecast (the lower end at least 0)."""
    half = 1.96 * forecast**0.5 if forecast > 0 else 0.0
    return max(0.0, forecast - half), forecast + half


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
