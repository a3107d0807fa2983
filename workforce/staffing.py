"""The staffing requirement of a process per planning interval (WFM.md "Staffing requirement
(Erlang C)"), from its forecast, its planning settings and its SLA target. Every figure is
computed by `workforce.erlang`; this module only gathers the inputs and places the work.

Inputs, per process:

- T = 60 × `process.interval_minutes` seconds;
- C = `Forecast.contacts` of the interval (0 where no forecast row exists or the interval is
  closed in the process's service calendar, i.e. has no open second);
- h = `Forecast.aht` ÷ the planning concurrency (chat: contacts handled at once);
- the target: the process's SLA floor of metric `service_level` (comparator `>=`; else 80 %,
  also when its only service-level target is a `<=` one), capped just
  below 100 % (no finite staffing reaches 100 %), within t = `process.sl_threshold_seconds`;
- maximum occupancy, shrinkage, concurrency and paid hours per FTE from its PlanningSettings row
  (85 %, 30 %, 1 and 8 h when it has none);
- scheduled (available) = the active agents staffed on the process: no schedules exist yet, so
  every interval of the day counts all of them; gap = scheduled − required with shrinkage.

Voice and chat (a queue): `erlang.staffing` per interval gives A, N, ⌈N ÷ (1 − s)⌉, SL, ASA,
occupancy and Pw.

Email and back office (no queue to wait in): the work arriving in an interval, volume × h ÷ 3600
÷ maximum occupancy agent-hours (`erlang.workload_hours`), must be done before its TAT deadline:
`process.tat_hours` of *open* time after the interval starts (KPIS.md: TAT counts open time
only). **Placement**: each interval's work is levelled over the open time from its arrival to
its deadline, in proportion to each interval's open seconds (a fully open interval gets
T ÷ (TAT × 3600) of it). Spread evenly, no interval carries more of an arrival than any other
open one, so the peak of that arrival's work is the least possible; the sum over arrivals is
levelled arrival by arrival (not a joint optimum). Work arriving on earlier days that is still
due is included (arrivals up to `lookback_days` before the day). The interval's required agents
are its placed agent-hours ÷ (T ÷ 3600), rounded up; with shrinkage ⌈hours × 3600 ÷ T ÷ (1 − s)⌉.
SL, ASA, occupancy and Pw are null (no queue).

Agent-hours of a day: Σ N × T ÷ 3600 (queue) or Σ placed hours (workload), and the same with
shrinkage; required FTE = agent-hours with shrinkage ÷ paid hours per FTE.

Queries: `plan_days` and `plans_for` read a constant number of queries for any number of days
and processes (settings, targets, agent counts, calendars, forecasts).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count

from agents.models import Agent
from calendars.models import ServiceCalendar
from calendars.open_time import CalendarSpec
from processes.models import Comparator, Metric, SLATarget
from sla.compliance import local_today
from workforce import erlang
from workforce.intervals import day_intervals
from workforce.models import Forecast, PlanningSettings

DEFAULT_TARGET = 80.0  # WFM.md: % answered within the threshold when the process has no SL target
MAX_TARGET = 99.99  # erlang refuses 100 %: no finite N answers everyone within t
QUEUE_CHANNELS = frozenset({"voice", "chat"})
_EPSILON = 1e-9


@dataclass(frozen=True)
class Inputs:
    """What one process's staffing is computed from (percentages in %, hours in hours)."""

    target: float
    target_source: str  # "SLA target" or "default"
    threshold: int
    max_occupancy: float
    shrinkage: float
    concurrency: int
    paid_hours_per_fte: float
    scheduled: int
    interval_minutes: int
    queue: bool
    tat_hours: int
    has_settings: bool

    @property
    def interval_seconds(self) -> int:
        return 60 * self.interval_minutes

    @property
    def lookback_days(self) -> int:
        """How many earlier days' back-office arrivals may still be due (see the module)."""
        return 0 if self.queue else min(14, math.ceil(self.tat_hours / 24) * 2 + 2)


@dataclass
class Interval:
    """One planning interval's inputs and figures. `contacts` C; `aht` the forecast AHT in s;
    `h` the handle time per contact after concurrency (s); `traffic` A in Erlangs (queue) ;
    `required` N agents; `required_with_shrinkage`; `scheduled`, `gap` agents; `service_level`
    and `occupancy` in %, `asa` in s, `probability_wait` 0..1 (queue only, else None);
    `workload_hours` the agent-hours placed here (workload only); `agent_hours` the required
    agent-hours of the interval (N × T ÷ 3600 or the placed hours), `open` whether the service
    calendar is open in it, `forecast` whether a forecast row exists."""

    start: datetime  # UTC
    local_start: datetime
    open: bool
    forecast: bool
    contacts: float
    aht: float | None
    h: float | None
    traffic: float | None
    required: int
    required_with_shrinkage: int
    scheduled: int
    gap: int
    service_level: float | None = None
    asa: float | None = None
    occupancy: float | None = None
    probability_wait: float | None = None
    workload_hours: float | None = None
    agent_hours: float = 0.0
    agent_hours_with_shrinkage: float = 0.0


@dataclass
class DayPlan:
    process: object
    day: date
    inputs: Inputs
    intervals: list[Interval] = field(default_factory=list)

    @property
    def has_forecast(self) -> bool:
        return any(i.forecast for i in self.intervals)

    @property
    def contacts(self) -> float:
        return sum(i.contacts for i in self.intervals)

    @property
    def agent_hours(self) -> float:
        return sum(i.agent_hours for i in self.intervals)

    @property
    def agent_hours_with_shrinkage(self) -> float:
        return sum(i.agent_hours_with_shrinkage for i in self.intervals)

    @property
    def fte(self) -> float:
        """Required FTE: agent-hours with shrinkage ÷ paid hours per FTE and day."""
        return self.agent_hours_with_shrinkage / self.inputs.paid_hours_per_fte

    @property
    def peak_required(self) -> int:
        return max((i.required_with_shrinkage for i in self.intervals), default=0)

    @property
    def available(self) -> int:
        return self.inputs.scheduled

    @property
    def gap(self) -> int:
        """Available − the peak requirement with shrinkage (negative: short at the peak)."""
        return self.available - self.peak_required

    @property
    def shortfall(self) -> int | None:
        """The peak shortfall in agents (0 when covered), None without a forecast."""
        if not self.has_forecast:
            return None
        return max(0, -min(i.gap for i in self.intervals))


# --- inputs, read in bulk ---------------------------------------------------------------------


def load_inputs(processes) -> dict[int, Inputs]:
    """The staffing inputs of loaded (scoped) processes, in four queries whatever their number."""
    processes = list(processes)
    settings = {s.process_id: s for s in PlanningSettings.objects.of(process__in=processes)}
    by_process = defaultdict(list)
    for t in SLATarget.objects.of(process__in=processes).filter(metric=Metric.SERVICE_LEVEL):
        by_process[t.process_id].append(t)
    targets = {pid: float(floor.target) for pid, found in by_process.items() if (floor := floor_target(found))}
    counts = dict(
        Agent.objects.of(processes__in=processes)
        .filter(active=True)
        .values_list("processes")
        .annotate(n=Count("pk", distinct=True))
        .values_list("processes", "n")
    )
    return {p.pk: _inputs(p, settings.get(p.pk), targets.get(p.pk), counts.get(p.pk, 0)) for p in processes}


def floor_target(targets) -> SLATarget | None:
    """The service-level floor among a process's SLA targets: metric `service_level`, comparator
    `>=`; None without one. A `<=` service-level target caps the figure instead of setting a floor,
    so staffing (and the plan) ignore it and use the default target."""
    floors = [t for t in targets if t.metric == Metric.SERVICE_LEVEL and t.comparator == Comparator.AT_LEAST]
    return max(floors, key=lambda t: t.target, default=None)


def _inputs(process, planning, target, scheduled) -> Inputs:
    has_settings = planning is not None
    planning = planning or PlanningSettings(process=process)  # the model's defaults (WFM.md's)
    return Inputs(
        target=min(target, MAX_TARGET) if target is not None else DEFAULT_TARGET,
        target_source="SLA target" if target is not None else "default",
        threshold=process.sl_threshold_seconds,
        max_occupancy=float(planning.max_occupancy),
        shrinkage=float(planning.shrinkage),
        concurrency=planning.concurrency,
        paid_hours_per_fte=float(planning.paid_hours_per_fte),
        scheduled=scheduled,
        interval_minutes=process.interval_minutes,
        queue=process.channel in QUEUE_CHANNELS,
        tat_hours=process.tat_hours,
        has_settings=has_settings,
    )


def _calendars(processes) -> dict[int, CalendarSpec]:
    """Each process's service calendar as a CalendarSpec (two queries for all of them)."""
    specs, cache = {}, {}
    calendar_ids = {p.calendar_id for p in processes if p.calendar_id}
    if calendar_ids:
        loaded = ServiceCalendar.objects.of(processes__in=[p for p in processes if p.calendar_id]).distinct()
        cache = {c.pk: CalendarSpec.load(c) for c in loaded.prefetch_related("hours", "holidays")}
    for p in processes:
        specs[p.pk] = cache.get(p.calendar_id) if p.calendar_id else CalendarSpec.always_open()
    return specs


def _forecasts(processes, first: date, last: date) -> dict[int, dict[datetime, Forecast]]:
    rows = defaultdict(dict)
    if not processes:
        return rows
    query = Forecast.objects.of(process__in=processes).filter(local_date__range=(first, last))
    for row in query.only("process_id", "interval_start", "contacts", "aht"):
        rows[row.process_id][row.interval_start.astimezone(UTC)] = row
    return rows


# --- the plans ------------------------------------------------------------------------------


def plan_days(process, days: list[date]) -> list[DayPlan]:
    """The staffing of `process` (loaded, in scope) on each local day of `days`."""
    return plans_for([process], days)[process.pk]


def plan_day(process, day: date) -> DayPlan:
    return plan_days(process, [day])[0]


def plans_for(processes, days: list[date] | dict[int, list[date]]) -> dict[int, list[DayPlan]]:
    """Day plans of several processes: the same `days` for all, or {process pk: days} (each its
    own local "today"). A constant number of queries."""
    processes = list(processes)
    if not processes:
        return {}
    wanted = {p.pk: list(days if isinstance(days, list) else days.get(p.pk, [])) for p in processes}
    inputs = load_inputs(processes)
    calendars = _calendars(processes)
    every = [d for ds in wanted.values() for d in ds]
    if not every:
        return {p.pk: [] for p in processes}
    lookback = max(i.lookback_days for i in inputs.values())
    forecasts = _forecasts(processes, min(every) - timedelta(days=lookback + 1), max(every) + timedelta(days=1))
    return {
        p.pk: [_plan(p, d, inputs[p.pk], calendars[p.pk], forecasts.get(p.pk, {})) for d in wanted[p.pk]]
        for p in processes
    }


def _plan(process, day, inputs: Inputs, calendar: CalendarSpec, forecasts) -> DayPlan:
    tz = ZoneInfo(process.timezone)
    starts = day_intervals(day, tz, inputs.interval_minutes)
    plan = DayPlan(process, day, inputs)
    if inputs.queue:
        plan.intervals = [_queue_interval(s, tz, inputs, calendar, forecasts.get(s)) for s in starts]
    else:
        plan.intervals = _workload_intervals(day, starts, tz, inputs, calendar, forecasts)
    return plan


def _is_open(calendar: CalendarSpec, start: datetime, seconds: int, tz) -> float:
    return calendar.open_in_interval(start, start + timedelta(seconds=seconds), tz)


def _queue_interval(start, tz, inputs: Inputs, calendar, row) -> Interval:
    t = inputs.interval_seconds
    is_open = _is_open(calendar, start, t, tz) > 0
    contacts = row.contacts if (row is not None and is_open) else 0.0
    aht = row.aht if row is not None else None
    h = aht / inputs.concurrency if aht else None
    if contacts > 0 and aht and aht > 0:
        result = erlang.staffing(
            contacts=contacts,
            interval_seconds=t,
            aht=aht,
            target=inputs.target,
            threshold=inputs.threshold,
            shrinkage=inputs.shrinkage,
            max_occupancy=inputs.max_occupancy,
            concurrency=inputs.concurrency,
        )
    else:
        result = erlang.Staffing(0.0, 0, 0, 100.0, 0.0, None, 0.0)
    return Interval(
        start=start,
        local_start=start.astimezone(tz),
        open=is_open,
        forecast=row is not None,
        contacts=contacts,
        aht=aht,
        h=h,
        traffic=result.traffic,
        required=result.agents,
        required_with_shrinkage=result.agents_with_shrinkage,
        scheduled=inputs.scheduled,
        gap=inputs.scheduled - result.agents_with_shrinkage,
        service_level=result.service_level,
        asa=result.asa,
        occupancy=result.occupancy,
        probability_wait=result.probability_wait,
        agent_hours=result.agents * t / 3600,
        agent_hours_with_shrinkage=result.agents_with_shrinkage * t / 3600,
    )


def level(arrivals: list[float], open_seconds: list[float], tat_seconds: float) -> list[float]:
    """The placement of back-office work (see the module): `arrivals[i]` agent-hours arrive at
    the start of interval i, whose open seconds are `open_seconds[i]`; each is spread over the
    open time up to `tat_seconds` of open time later, in proportion to open seconds. Returns the
    hours placed in each interval (work due after the last interval is left out). Pure.

    >>> level([4, 0, 0, 0], [900, 900, 900, 900], 1800)
    [2.0, 2.0, 0.0, 0.0]
    """
    count = len(open_seconds)
    prefix = [0.0]
    for seconds in open_seconds:
        prefix.append(prefix[-1] + seconds)
    placed = [0.0] * count
    for i, hours in enumerate(arrivals):
        if hours <= 0:
            continue
        deadline = prefix[i] + tat_seconds  # in open seconds from the first interval
        last = min(count - 1, bisect_right(prefix, deadline - _EPSILON) - 1)
        for j in range(i, last + 1):
            used = min(prefix[j + 1], deadline) - prefix[j]
            if used > 0:
                placed[j] += hours * used / tat_seconds
    return placed


def _workload_intervals(day, starts, tz, inputs: Inputs, calendar, forecasts) -> list[Interval]:
    """Email and back office: arrivals since `lookback_days` before the day, levelled (`level`)
    over open time up to their TAT deadline; the day's intervals returned."""
    t = inputs.interval_seconds
    first = day_intervals(day - timedelta(days=inputs.lookback_days), tz, inputs.interval_minutes)[0]
    span = [first + timedelta(seconds=t * n) for n in range(int((starts[0] - first).total_seconds() // t))]
    span += starts
    open_seconds = [_is_open(calendar, s, t, tz) for s in span]
    rows = [forecasts.get(s) for s in span]
    volumes = [r.contacts if (r is not None and o > 0) else 0.0 for r, o in zip(rows, open_seconds, strict=True)]
    arrivals = [
        erlang.workload_hours(v, r.aht / inputs.concurrency, inputs.max_occupancy / 100) if v > 0 and r.aht > 0 else 0.0
        for v, r in zip(volumes, rows, strict=True)
    ]
    placed = level(arrivals, open_seconds, inputs.tat_hours * 3600)
    offset = len(span) - len(starts)
    out = []
    for k, start in enumerate(starts):
        row, hours = rows[offset + k], placed[offset + k]
        agents = hours * 3600 / t
        need = math.ceil(agents - _EPSILON) if agents > _EPSILON else 0
        with_shrinkage = math.ceil(agents / (1 - inputs.shrinkage / 100) - _EPSILON) if agents > _EPSILON else 0
        out.append(
            Interval(
                start=start,
                local_start=start.astimezone(tz),
                open=open_seconds[offset + k] > 0,
                forecast=row is not None,
                contacts=volumes[offset + k],
                aht=row.aht if row is not None else None,
                h=row.aht / inputs.concurrency if row is not None and row.aht else None,
                traffic=None,
                required=need,
                required_with_shrinkage=with_shrinkage,
                scheduled=inputs.scheduled,
                gap=inputs.scheduled - with_shrinkage,
                workload_hours=hours,
                agent_hours=hours,
                agent_hours_with_shrinkage=hours / (1 - inputs.shrinkage / 100),
            )
        )
    return out


def week_days(start: date) -> list[date]:
    return [start + timedelta(days=n) for n in range(7)]


def gaps_today(processes, now: datetime) -> dict[int, DayPlan]:
    """Each process's plan for its own local today (bounded queries: see `plans_for`)."""
    processes = list(processes)
    plans = plans_for(processes, {p.pk: [local_today(p, now)] for p in processes})
    return {pk: days[0] for pk, days in plans.items()}
