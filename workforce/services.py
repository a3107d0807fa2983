"""Workforce planning writes: forecast runs (backtest, choice of method, the stored forecast), the
planners' adjustments and the pinned method (WFM.md, "Forecast").

Every function takes a process already found in the caller's scope (a page or API view resolves
it with `visible_to`; a task by id) and reads and writes only that process's rows.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from calendars.open_time import CalendarSpec
from reporting.models import IntervalKpi
from sla.compliance import local_today
from workforce import forecasting as fc
from workforce.intervals import day_bounds, history
from workforce.models import (
    Forecast,
    ForecastAccuracy,
    ForecastAdjustment,
    ForecastMethod,
    ForecastRun,
    PlanningSettings,
)

PERCENT_MIN, PERCENT_MAX = Decimal("-100"), Decimal("1000")


def lookback_days(weeks: int) -> int:
    """Local days of history a run loads: the backtest's 28 days plus the longest look-back of a
    method (the statistical fit's 13 weeks, or N weighted weeks when N is more)."""
    return fc.BACKTEST_DAYS + max(fc.STATISTICAL_FIT_DAYS, 7 * weeks)


def planning_settings(process) -> PlanningSettings:
    """The process's planning settings, or the defaults (unsaved) when it has none."""
    found = PlanningSettings.objects.of(process=process).first()
    return found or PlanningSettings(process=process)


def load_history(process, today: date, weeks: int = 8) -> fc.History:
    """The interval history of the `lookback_days(weeks)` local days before `today` (today itself,
    not yet complete, is left out)."""
    first = IntervalKpi.objects.of(process=process).aggregate(first=Min("local_date"))["first"]
    start, end = today - timedelta(days=lookback_days(weeks)), today - timedelta(days=1)
    rows = history(process, start, end) if first is not None and first <= end else {}
    return fc.build_history(rows, ZoneInfo(process.timezone), process.interval_minutes, first, start, end)


def open_masks(process, hist: fc.History, days) -> dict[date, np.ndarray | None]:
    """Per local day, True for each interval with any open time by the process's service
    calendar (None: open 24 × 7, no calendar)."""
    spec = CalendarSpec.load(process.calendar) if process.calendar_id else CalendarSpec.always_open()
    if spec.is_open_24x7:
        return dict.fromkeys(days)
    tz, step = hist.tz, timedelta(minutes=hist.minutes)
    return {day: np.array([spec.open_in_interval(s, s + step, tz) > 0 for s in hist.frame(day).starts]) for day in days}


@dataclass(frozen=True)
class RunResult:
    """What a run found and wrote (the ForecastRun row plus the backtest for callers who show it)."""

    run: ForecastRun
    backtest: fc.Backtest
    rows: int


def forecast_run(*, process) -> RunResult:
    """Backtest every method over the last 28 local days (one day ahead), choose the method (the
    pinned one, else the lowest interval WAPE; ties: weighted weeks), and replace the process's
    Forecast rows of those 28 days (the chosen method's backtest) and of the next 42 days from
    local today (with the adjustments applied) and its ForecastAccuracy rows, in one transaction.
    Safe to run twice: the same history gives the same rows."""
    started = clock.perf_counter()
    today = local_today(process)
    settings = planning_settings(process)
    n = settings.weighted_weeks
    hist = load_history(process, today, n)
    backtest_days = [today - timedelta(days=k) for k in range(fc.BACKTEST_DAYS, 0, -1)]
    future_days = [today + timedelta(days=k) for k in range(fc.HORIZON_DAYS)]
    masks = open_masks(process, hist, backtest_days + future_days)
    result = fc.backtest(hist, backtest_days, n, masks)
    pinned = settings.forecast_method
    method = fc.choose_method(result.wape, pinned)
    notes = []
    future = fc.forecast_days(hist, method, future_days, today, n)
    if not future and method == ForecastMethod.STATISTICAL:
        notes.append("The statistical model needs 4 weeks of history: weighted weeks forecast instead.")
        method = ForecastMethod.WEIGHTED_WEEKS
        future = fc.forecast_days(hist, method, future_days, today, n)
    if not future:
        notes.append("No history before today: nothing to forecast from.")
    future = {day: fc.closed_to_zero(found, masks.get(day)) for day, found in future.items()}
    past = result.forecasts.get(method, {})
    run = ForecastRun(
        process=process, created_at=timezone.now(), method=method, pinned=bool(pinned),
        wape={m: None if result.wape.get(m) is None else round(result.wape[m], 4) for m in fc.METHODS},
        backtest_start=backtest_days[0], backtest_end=backtest_days[-1],
        horizon_start=future_days[0], horizon_end=future_days[-1], notes=" ".join(notes),
    )  # fmt: skip
    rows = _write(process, run, result, past, future, (backtest_days[0], future_days[-1]), started)
    return RunResult(run, result, rows)


@transaction.atomic
def _write(process, run, result: fc.Backtest, past, future, written: tuple[date, date], started: float) -> int:
    """Replace the process's forecast rows in `written` and its backtest accuracy, record the run."""
    now = run.created_at
    adjustments = _adjustments(process)
    rows = []
    for day, found in [*past.items(), *future.items()]:
        factors = fc.adjustment_factors(found.frame.starts, adjustments) if day in future else None
        bases = np.round(found.contacts.astype(float), 4).tolist()
        ahts = np.round(found.aht.astype(float), 3).tolist()
        for n, start in enumerate(found.frame.starts):
            contacts = round(bases[n] * factors[n], 4) if factors is not None else bases[n]
            rows.append((process.pk, start, day, found.method, bases[n], contacts, ahts[n], now))
    Forecast.objects.of(process=process).filter(local_date__range=written).delete()
    _insert_forecasts(rows)
    ForecastAccuracy.objects.of(process=process).filter(
        local_date__range=(run.backtest_start, run.backtest_end)
    ).delete()
    ForecastAccuracy.objects.bulk_create(
        [
            ForecastAccuracy(
                process=process,
                method=a.method,
                local_date=a.day,
                actual=a.actual,
                forecast=round(a.forecast, 4),
                absolute_error=round(a.absolute_error, 4),
            )  # fmt: skip
            for rows_of in result.accuracy.values()
            for a in rows_of
        ]
    )
    run.seconds = round(clock.perf_counter() - started, 3)
    run.save()
    return len(rows)


_FORECAST_FIELDS = ("process", "interval_start", "local_date", "method", "base_contacts", "contacts", "aht",
                   "generated_at")  # fmt: skip
_INSERT_BATCH = 100  # rows per INSERT: 800 parameters, under SQLite's oldest limit of 999


def _insert_forecasts(rows: list[tuple]) -> None:
    """Insert Forecast rows (values in _FORECAST_FIELDS order) with multi-row INSERTs. A run
    writes ~7,000 rows; bulk_create's per-object preparation took longer than the database
    (bench/forecast_bench.py), so the values are adapted here once per column type."""
    meta, ops = Forecast._meta, connection.ops
    columns = ", ".join(ops.quote_name(meta.get_field(name).column) for name in _FORECAST_FIELDS)
    placeholders = "(" + ", ".join(["%s"] * len(_FORECAST_FIELDS)) + ")"
    with connection.cursor() as cursor:
        for first in range(0, len(rows), _INSERT_BATCH):
            batch = rows[first : first + _INSERT_BATCH]
            params = []
            for pid, start, day, method, base, contacts, aht, generated in batch:
                # float(): the methods hand numpy floats, which psycopg2 cannot adapt (SQLite can).
                params += [pid, ops.adapt_datetimefield_value(start), ops.adapt_datefield_value(day), method,
                           float(base), float(contacts), float(aht),
                           ops.adapt_datetimefield_value(generated)]  # fmt: skip
            values = ", ".join([placeholders] * len(batch))
            sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608 - names from the model
            cursor.execute(sql, params)


def _adjustments(process) -> list[tuple[datetime, datetime, float]]:
    return [
        (a.start, a.end, float(a.percent))
        for a in ForecastAdjustment.objects.of(process=process)
        .filter(withdrawn_at__isnull=True)
        .only("start", "end", "percent")
    ]


@transaction.atomic
def forecast_adjustments_apply(*, process) -> int:
    """Recompute the contacts of the process's future forecast rows (local today on) from their
    base contacts and every adjustment: contacts = base × Π(1 + percent ÷ 100). Returns the rows
    changed. The same rule a forecast run applies; no method is re-run (the base is unchanged)."""
    adjustments = _adjustments(process)
    rows = list(Forecast.objects.of(process=process).filter(local_date__gte=local_today(process)).select_for_update())
    factors = fc.adjustment_factors([row.interval_start for row in rows], adjustments)
    changed = []
    for row, factor in zip(rows, factors, strict=True):
        contacts = round(row.base_contacts * factor, 4)
        if contacts != row.contacts:
            row.contacts = contacts
            changed.append(row)
    Forecast.objects.of(process=process).bulk_update(changed, ["contacts"], batch_size=2000)
    return len(changed)


def _local_moment(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive local datetime of the process's zone as an aware one (an ambiguous time: its first
    occurrence; a nonexistent one, in a spring-forward gap, is read with the offset before it)."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def _percent(value) -> Decimal:
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"percent": f"{str(value)[:40]!r} is not a number (a change in %, e.g. 20 or -15)."}
        ) from None
    if not percent.is_finite() or not PERCENT_MIN <= percent <= PERCENT_MAX:
        raise ValidationError({"percent": "The change must be between −100 % and +1000 %."})
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationError({"percent": "At most two decimals."})
    return percent


def _span(process, day, start, end) -> tuple[datetime, datetime]:
    tz = ZoneInfo(process.timezone)
    if day is not None and (start is not None or end is not None):
        raise ValidationError({"day": "Give either a day or a start and an end, not both."})
    if day is not None:
        return day_bounds(day, tz)
    if start is None or end is None:
        missing = {
            name: "Required unless a whole day is given." for name, v in (("start", start), ("end", end)) if v is None
        }
        raise ValidationError(missing or {"day": "Give a day, or a start and an end."})
    low, high = _local_moment(start, tz), _local_moment(end, tz)
    if high <= low:
        raise ValidationError({"end": "The end must be after the start."})
    return fc.utc(low), fc.utc(high)


@transaction.atomic
def forecast_adjustment_create(
    *, process, user, percent, note: str, day: date | None = None, start: datetime | None = None, end=None
) -> ForecastAdjustment:
    """A planner's adjustment of the process's forecast: a whole local day, or local datetimes
    [start, end) in the process's zone, scaled by `percent` (−100..+1000; +20 = 20 % more), with
    a required note; kept with who and when, and applied at once to the stored future forecast
    (an interval is scaled when its start lies in the span)."""
    note = (note or "").strip()
    errors = {}
    try:
        percent = _percent(percent)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not note:
        errors["note"] = ["Say why (a campaign, an outage, a holiday): the note is required."]
    try:
        low, high = _span(process, day, start, end)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    adjustment = ForecastAdjustment(process=process, start=low, end=high, percent=percent, note=note[:500],
                                    created_by=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
    adjustment.full_clean(exclude=["process", "created_by"])
    adjustment.save()
    forecast_adjustments_apply(process=process)
    return adjustment


@transaction.atomic
def forecast_adjustment_withdraw(*, process, adjustment_id, user) -> ForecastAdjustment:
    """Withdraw one of the process's adjustments: it is kept (with who withdrew it and when) and
    no longer applied; the stored future forecast is recomputed from the remaining ones at once.
    Withdrawing twice is refused (the first withdrawal is kept as it was)."""
    raw = str(adjustment_id).strip()
    try:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise ForecastAdjustment.DoesNotExist
        adjustment = ForecastAdjustment.objects.of(process=process).select_for_update().get(pk=int(raw))
    except ForecastAdjustment.DoesNotExist:
        raise ValidationError({"adjustment": "No such adjustment on this process."}) from None
    if adjustment.withdrawn_at is not None:
        raise ValidationError({"adjustment": "This adjustment was already withdrawn."})
    adjustment.withdrawn_at = timezone.now()
    adjustment.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
    adjustment.save(update_fields=["withdrawn_at", "withdrawn_by"])
    forecast_adjustments_apply(process=process)
    return adjustment


def planning_method_pin(*, process, method: str) -> PlanningSettings:
    """Pin the forecast method of a process ("" = choose automatically by the backtest)."""
    if method and method not in ForecastMethod.values:
        raise ValidationError({"forecast_method": f"{method[:40]!r} is not a forecast method."})
    settings = planning_settings(process)
    settings.forecast_method = method
    settings.save()
    return settings
