"""The contract-aware plan (WFM.md, "The contract-aware plan"): for the running month of a process
with a service-level target, the service level the rest of the month must reach for the *month*
to end at target, and the staffing that reaches it next to the staffing for the nominal target.

How each figure is made (the plan page says the same):

- **The month so far** is the process's DailyKpi components (reporting.selectors.kpi_sums) over
  the month's local days up to and including today, in the process's time zone: everything that
  has arrived up to now, the numerator and denominator of the process's own `sl_formula`. Today
  counts with what has arrived so far, i.e. the interval history up to the interval under way.
- **The rest of the month** is the forecast (Forecast.contacts, Forecast.aht) of every planning
  interval that starts after the one under way, to the end of the month's last local day. The
  interval under way is on neither side beyond what has already arrived in it (at most one
  interval's contacts; it is already being worked, no plan changes it). Forecast rows of
  15 minutes are summed into a 30-minute process's intervals (AHT weighted by contacts).
- **Expected remaining SL denominator**: forecast contacts stand in for answered + abandoned
  (`standard` and `early_abandons_count_good`). For `exclude_early_abandons` they are scaled by
  the month so far's share of the denominator in answered + abandoned (1 − abandoned within ÷
  (answered + abandoned)), 1 while nothing has been answered or abandoned yet. The forecast is
  taken as is otherwise (its short abandons, if any, are counted as if in the denominator: the
  plan errs on the side of more staff).
- **Required SL** of the remaining intervals = (target × expected month total − numerator so
  far) ÷ expected remaining, the month total being denominator so far + expected remaining.
  ≤ 0: the month ends at target even if no remaining contact is answered in time ("on track even
  at 0 %"). ≥ 100 %: no staffing reaches it (Erlang C never promises 100 %); the best month, every
  remaining contact answered in time, is (numerator so far + remaining) ÷ month total.
- **Staffing** per remaining interval (workforce.erlang, the same rule as the staffing page):
  N on the queue for the nominal target and for the required SL (at least 0 %: below 0 the
  floor is the occupancy cap), threshold `sl_threshold_seconds`, the maximum occupancy cap, h
  divided by the chat concurrency; scheduled = ⌈N ÷ (1 − shrinkage)⌉. Agent-hours = N × the
  interval's length in hours; the extra (or spare, when negative) per day = Σ (N_required −
  N_nominal) × interval hours, on the queue and scheduled. Erlang's SL is "answered within t"
  only: an early abandon that the formula counts good is a bonus the plan does not count on.
- **Month-end SL at nominal staffing**: so far plus each remaining interval's Erlang SL at the
  nominal N times its expected denominator, over the month total.
- **Credit at stake**: the target's `credit_percent` of the month's fee (the client's cap
  applied), owed if the month misses.

The process's SLA target of metric `service_level` with comparator `>=` (a floor) is the target
(a process has at most one target per metric). A `<=` service-level target is not a floor and is ignored; a process
without a floor has no plan (None).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from processes.models import SLATarget, SLFormula
from reporting.models import DailyKpi
from reporting.periods import month_bounds
from reporting.selectors import kpi_sums
from sla.compliance import local_today
from workforce import erlang
from workforce.intervals import day_bounds, planning_start
from workforce.models import Forecast, PlanningSettings
from workforce.staffing import floor_target

# Erlang C never reaches 100 %: a nominal target of 100 % is planned at this (a fraction).
HIGHEST_PLANNABLE = 0.9999
_EPSILON = 1e-9

NO_FORECAST = "no_forecast"  # no forecast for the rest of the month
NOTHING_EXPECTED = "nothing_expected"  # a forecast, but no contacts expected
SAFE = "safe"  # required SL ≤ 0
UNREACHABLE = "unreachable"  # required SL ≥ 100 %
PLAN = "plan"  # 0 < required SL < 100 %


@dataclass(frozen=True)
class Settings:
    """The planning settings used, as fractions (WFM.md defaults without PlanningSettings)."""

    max_occupancy: float = erlang.DEFAULT_MAX_OCCUPANCY
    shrinkage: float = erlang.DEFAULT_SHRINKAGE
    concurrency: int = 1

    @classmethod
    def of(cls, process, planning: PlanningSettings | None = None) -> Settings:
        if planning is None:
            planning = PlanningSettings.objects.of(process=process).first() or PlanningSettings(process=process)
        return cls(float(planning.max_occupancy) / 100, float(planning.shrinkage) / 100, planning.concurrency)


@dataclass(frozen=True)
class IntervalPlan:
    """One remaining interval: forecast contacts and AHT (seconds), traffic (Erlangs), agents on
    the queue and scheduled for the nominal target and for the required SL, and the Erlang SL (%)
    each reaches. `required_*` are None when the required SL cannot be staffed."""

    start: datetime  # UTC
    local_start: datetime
    contacts: float
    aht: float
    traffic: float
    hours: float
    denominator: float
    nominal_agents: int
    nominal_scheduled: int
    nominal_sl: float
    required_agents: int | None
    required_scheduled: int | None
    required_sl: float | None

    @property
    def local_hm(self) -> str:
        """The local start as text (a template's date filter would move it to the viewer's zone)."""
        return f"{self.local_start:%H:%M}"

    @property
    def utc_hm(self) -> str:
        return f"{self.start.astimezone(UTC):%H:%M}"

    @property
    def extra_agents(self) -> int | None:
        return None if self.required_agents is None else self.required_agents - self.nominal_agents

    @property
    def extra_scheduled(self) -> int | None:
        return None if self.required_scheduled is None else self.required_scheduled - self.nominal_scheduled


@dataclass
class DayPlan:
    """A remaining local day: its intervals and agent-hours (on the queue and scheduled)."""

    day: date
    intervals: list[IntervalPlan] = field(default_factory=list)

    def _hours(self, name: str) -> float | None:
        values = [getattr(i, name) for i in self.intervals]
        if any(v is None for v in values):
            return None
        return sum(v * i.hours for v, i in zip(values, self.intervals, strict=True))

    @property
    def contacts(self) -> float:
        return sum(i.contacts for i in self.intervals)

    @property
    def nominal_hours(self) -> float:
        return self._hours("nominal_agents")

    @property
    def required_hours(self) -> float | None:
        return self._hours("required_agents")

    @property
    def extra_hours(self) -> float | None:
        return self._hours("extra_agents")

    @property
    def nominal_scheduled_hours(self) -> float:
        return self._hours("nominal_scheduled")

    @property
    def required_scheduled_hours(self) -> float | None:
        return self._hours("required_scheduled")

    @property
    def extra_scheduled_hours(self) -> float | None:
        return self._hours("extra_scheduled")


@dataclass
class Plan:
    """The plan of one process's running month (module docstring). Rates are in %, hours are
    agent-hours, times UTC unless named local."""

    process: object
    target: SLATarget
    settings: Settings
    now: datetime
    today: date
    month_start: date
    month_end: date
    so_far: dict
    remaining_from: datetime  # UTC start of the first remaining interval
    remaining_contacts: float = 0.0
    remaining_denominator: float = 0.0
    denominator_share: float = 1.0
    forecast_until: date | None = None  # the last local day with a forecast
    required_sl: float | None = None
    case: str = NO_FORECAST
    best_month_sl: float | None = None
    projected_nominal_sl: float | None = None
    days: list[DayPlan] = field(default_factory=list)

    # --- the month -----------------------------------------------------------------------------

    @property
    def goal(self) -> float:
        """The target in % (nominal)."""
        return float(self.target.target)

    @property
    def numerator(self) -> int:
        return self.so_far["sl_numerator"]

    @property
    def denominator(self) -> int:
        return self.so_far["sl_denominator"]

    @property
    def month_to_date_sl(self) -> float | None:
        return self.numerator / self.denominator * 100 if self.denominator else None

    @property
    def expected_total(self) -> float:
        """Expected month total of the SL denominator: so far + expected remaining."""
        return self.denominator + self.remaining_denominator

    @property
    def remaining_from_text(self) -> str:
        """The first remaining interval's start, local and UTC, each with its zone."""
        local = self.remaining_from.astimezone(ZoneInfo(self.zone))
        return f"{local:%Y-%m-%d %H:%M} {self.zone} ({self.remaining_from.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"

    @property
    def zone(self) -> str:
        return self.process.timezone

    @property
    def interval_minutes(self) -> int:
        return self.process.interval_minutes

    @property
    def intervals(self) -> list[IntervalPlan]:
        return [i for d in self.days for i in d.intervals]

    @property
    def forecast_short(self) -> bool:
        """The forecast ends before the month does: the days after it are not planned."""
        return self.forecast_until is not None and self.forecast_until < self.month_end

    # --- totals --------------------------------------------------------------------------------

    def _total(self, name: str) -> float | None:
        values = [getattr(d, name) for d in self.days]
        return None if any(v is None for v in values) else sum(values)

    @property
    def nominal_hours(self) -> float:
        return self._total("nominal_hours")

    @property
    def required_hours(self) -> float | None:
        return self._total("required_hours")

    @property
    def extra_hours(self) -> float | None:
        return self._total("extra_hours")

    @property
    def nominal_scheduled_hours(self) -> float:
        return self._total("nominal_scheduled_hours")

    @property
    def required_scheduled_hours(self) -> float | None:
        return self._total("required_scheduled_hours")

    @property
    def extra_scheduled_hours(self) -> float | None:
        return self._total("extra_scheduled_hours")

    # --- the credit ------------------------------------------------------------------------------

    @property
    def credit_percent(self) -> Decimal:
        """% of the month's fee owed if the month misses (the client's cap applied)."""
        percent = Decimal(self.target.credit_percent)
        cap = self.process.client.credit_cap_percent
        return min(percent, Decimal(cap)) if cap is not None else percent

    @property
    def credit_amount(self) -> Decimal | None:
        fee = self.process.client.monthly_fee
        if fee is None:
            return None
        return (Decimal(fee) * self.credit_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def currency(self) -> str:
        return self.process.client.currency

    # --- what it means -------------------------------------------------------------------------

    @property
    def sentence(self) -> str:
        """The plan in one sentence (WFM.md's wording)."""
        goal = _pct(self.goal)
        if self.case == NO_FORECAST:
            return f"No forecast for the rest of the month: the plan to end the month at {goal} cannot be made."
        if self.case == NOTHING_EXPECTED:
            return (
                f"No more contacts are forecast this month: it ends at its month-to-date service level "
                f"({_pct(self.month_to_date_sl)})."
            )
        if self.case == UNREACHABLE:
            return (
                f"{goal} cannot be reached this month: the remaining intervals would need "
                f"{_pct(self.required_sl)}; even with every remaining contact answered in time the month ends "
                f"at {_pct(self.best_month_sl)} ({_pct(self.best_month_sl - self.goal, signed=True, unit=' points')})."
            )
        prefix = "On track even at 0 % for the rest of the month. " if self.case == SAFE else ""
        extra, scheduled = self.extra_hours, self.extra_scheduled_hours
        shrink = f"{_pct(self.settings.shrinkage * 100)} shrinkage"
        if abs(extra) <= _EPSILON and abs(scheduled) <= _EPSILON:
            return (
                f"{prefix}The nominal staffing is enough to end the month at {goal}: "
                "no extra agent-hours over these intervals."
            )
        if extra > _EPSILON:
            return (
                f"{prefix}To end the month at {goal} you need +{_hours(extra)} agent-hours on the queue over these "
                f"intervals (+{_hours(scheduled)} scheduled with {shrink})."
            )
        return (
            f"{prefix}On track with {_hours(-extra)} fewer agent-hours on the queue over these intervals "
            f"({_hours(-scheduled)} fewer scheduled with {shrink}) than the nominal {goal} needs."
        )


def _pct(value: float | None, *, signed: bool = False, unit: str = " %") -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}{unit}" if signed else f"{value:.2f}{unit}"


def _hours(value: float) -> str:
    return f"{value:,.2f}"


# --- building the plan ---------------------------------------------------------------------------


def remaining_start(now: datetime, tz: ZoneInfo, minutes: int) -> datetime:
    """The UTC start of the first planning interval after the one under way at `now`."""
    now = now.astimezone(UTC)
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return planning_start(quarter, tz, minutes) + timedelta(minutes=minutes)


def month_so_far(process, first: date, today: date) -> dict:
    """The DailyKpi components of the process over [first, today] (one query)."""
    rows = DailyKpi.objects.of(process=process).filter(local_date__range=(first, today))
    return kpi_sums(rows)[0].components


def forecast_rows(process, start: datetime, end: datetime) -> list[tuple[datetime, float, float]]:
    """The forecast (UTC start, contacts, AHT seconds) of the planning intervals in [start, end),
    15-minute rows summed into a 30-minute process's intervals (AHT weighted by contacts)."""
    rows = (
        Forecast.objects.of(process=process)
        .filter(interval_start__gte=start, interval_start__lt=end)
        .order_by("interval_start")
        .values_list("interval_start", "contacts", "aht")
    )
    return combine_forecast(rows, ZoneInfo(process.timezone), process.interval_minutes)


def combine_forecast(rows, tz: ZoneInfo, minutes: int) -> list[tuple[datetime, float, float]]:
    summed: dict[datetime, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])  # contacts, work, Σaht, n
    for start, contacts, aht in rows:
        entry = summed[planning_start(start.astimezone(UTC), tz, minutes)]
        entry[0] += contacts
        entry[1] += contacts * aht
        entry[2] += aht
        entry[3] += 1
    return [(start, c, work / c if c else total_aht / n) for start, (c, work, total_aht, n) in sorted(summed.items())]


def denominator_share(process, so_far: dict) -> float:
    """The share of forecast contacts expected in the SL denominator (module docstring)."""
    if process.sl_formula != SLFormula.EXCLUDE_EARLY_ABANDONS:
        return 1.0
    base = so_far["answered"] + so_far["abandoned"]
    return 1 - so_far["abandoned_within"] / base if base else 1.0


def build(process, *, now: datetime | None = None, targets=None, so_far=None, planning=None, forecast=None):
    """The plan of `process`'s running month, or None without a service-level floor. `targets`,
    `so_far` (the month's components up to today), `planning` and `forecast` may be passed in by
    a caller that read them for several processes at once."""
    now = now or timezone.now()
    target = floor_target(SLATarget.objects.of(process=process) if targets is None else targets)
    if target is None:
        return None
    tz = ZoneInfo(process.timezone)
    today = local_today(process, now)
    first, last = month_bounds(today)
    plan = Plan(
        process=process,
        target=target,
        settings=Settings.of(process, planning) if planning is not False else Settings(),
        now=now,
        today=today,
        month_start=first,
        month_end=last,
        so_far=month_so_far(process, first, today) if so_far is None else so_far,
        remaining_from=remaining_start(now, tz, process.interval_minutes),
    )
    if forecast is None:
        forecast = forecast_rows(process, plan.remaining_from, day_bounds(last, tz)[1])
    _requirement(plan, forecast)
    _staff(plan, forecast)
    return plan


def _requirement(plan: Plan, forecast) -> None:
    """The remaining volume, the required SL and the case (module docstring)."""
    tz = ZoneInfo(plan.zone)
    plan.denominator_share = denominator_share(plan.process, plan.so_far)
    plan.remaining_contacts = sum(c for _s, c, _h in forecast)
    plan.remaining_denominator = plan.remaining_contacts * plan.denominator_share
    if not forecast:
        # The month's last interval under way: nothing is left to forecast.
        over = plan.remaining_from >= day_bounds(plan.month_end, tz)[1]
        plan.case = NOTHING_EXPECTED if over else NO_FORECAST
        return
    plan.forecast_until = forecast[-1][0].astimezone(tz).date()
    remaining = plan.remaining_denominator
    if remaining <= _EPSILON:
        plan.case = NOTHING_EXPECTED
        return
    goal = plan.goal / 100
    plan.required_sl = (goal * plan.expected_total - plan.numerator) / remaining * 100
    plan.best_month_sl = (plan.numerator + remaining) / plan.expected_total * 100
    if plan.required_sl <= _EPSILON:
        plan.case = SAFE
    elif plan.required_sl >= 100 - _EPSILON:
        plan.case = UNREACHABLE
    else:
        plan.case = PLAN


def _staff(plan: Plan, forecast) -> None:
    """Per remaining interval, the nominal and the required staffing; the month-end SL at nominal."""
    if plan.case in (NO_FORECAST, NOTHING_EXPECTED):
        return
    tz = ZoneInfo(plan.zone)
    seconds = plan.interval_minutes * 60
    nominal = min(plan.goal / 100, HIGHEST_PLANNABLE)
    required = None if plan.case == UNREACHABLE else max(plan.required_sl / 100, 0.0)
    days: dict[date, DayPlan] = {}
    answered_in_time = 0.0
    for start, contacts, aht in forecast:
        step = _interval(plan, start.astimezone(tz), start, contacts, aht, seconds, nominal, required)
        answered_in_time += step.nominal_sl / 100 * step.denominator
        local = step.local_start.date()
        days.setdefault(local, DayPlan(local)).intervals.append(step)
    plan.days = list(days.values())
    plan.projected_nominal_sl = (plan.numerator + answered_in_time) / plan.expected_total * 100


def _interval(plan, local_start, start, contacts, aht, seconds, nominal, required) -> IntervalPlan:
    s = plan.settings
    threshold = plan.process.sl_threshold_seconds
    h = aht / s.concurrency
    a = erlang.traffic(contacts, seconds, aht, s.concurrency) if aht > 0 else 0.0

    def staff(goal: float) -> tuple[int, int, float]:
        n = erlang.required_agents(a, h, goal, threshold, s.max_occupancy) if a > 0 else 0
        sl = erlang.service_level(a, n, threshold, h) if a > 0 else 1.0
        return n, erlang.with_shrinkage(n, s.shrinkage), sl * 100

    n_nom, sched_nom, sl_nom = staff(nominal)
    n_req, sched_req, sl_req = staff(required) if required is not None else (None, None, None)
    return IntervalPlan(
        start=start,
        local_start=local_start,
        contacts=contacts,
        aht=aht,
        traffic=a,
        hours=seconds / 3600,
        denominator=contacts * plan.denominator_share,
        nominal_agents=n_nom,
        nominal_scheduled=sched_nom,
        nominal_sl=sl_nom,
        required_agents=n_req,
        required_scheduled=sched_req,
        required_sl=sl_req,
    )


def summaries(processes, months, *, now: datetime | None = None) -> dict:
    """{process id: Plan} for the processes with a service-level floor whose running month is
    `months` (sla.compliance.ProcessMonth per process id: their targets and components already
    read). Reads the planning settings and the forecast of all of them in two queries."""
    now = now or timezone.now()
    chosen = [p for p in processes if p.pk in months and months[p.pk].is_current]
    chosen = [p for p in chosen if floor_target(t.target for t in months[p.pk].targets)]
    if not chosen:
        return {}
    planning = {s.process_id: s for s in PlanningSettings.objects.of(process__in=chosen)}
    starts = {p.pk: remaining_start(now, ZoneInfo(p.timezone), p.interval_minutes) for p in chosen}
    ends = {p.pk: day_bounds(months[p.pk].end, ZoneInfo(p.timezone))[1] for p in chosen}
    rows = defaultdict(list)
    for pid, start, contacts, aht in (
        Forecast.objects.of(process__in=chosen)
        .filter(interval_start__gte=min(starts.values()), interval_start__lt=max(ends.values()))
        .order_by("interval_start")
        .values_list("process_id", "interval_start", "contacts", "aht")
    ):
        if starts[pid] <= start < ends[pid]:
            rows[pid].append((start, contacts, aht))
    result = {}
    for p in chosen:
        pm = months[p.pk]
        so_far = {name: pm.components.get(name, 0) for name in pm.components}
        forecast = combine_forecast(rows[p.pk], ZoneInfo(p.timezone), p.interval_minutes)
        result[p.pk] = build(
            p,
            now=now,
            targets=[t.target for t in pm.targets],
            so_far=so_far,
            planning=planning.get(p.pk, False),
            forecast=forecast,
        )
    return result
