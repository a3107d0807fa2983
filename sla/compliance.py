"""SLA compliance (KPIS.md, "SLA compliance"): each target of a process against the month's
figure computed from summed components, the month-to-date status and the month-end projection,
and the service credits owed.

Projection (documented on the pages that show it): the month-end figure is the month-to-date
components plus the *expected remaining* components. Expected remaining volume is the process's
weekday pattern — the mean volume (offered + received) per weekday over the eight weeks before
today — summed over the days left in the month (for today, only what is still expected beyond what has arrived);
that pattern is cached for ten minutes, since it only changes with late data for past days.
Those remaining contacts are assumed to perform at the *recent pace*: the components of the last
seven complete days, scaled to the expected volume. Without a recent week the month-to-date
figures stand in for it. Rates stay ratios of summed components, so a projected rate is exact
arithmetic on the projected sums, never a mean of rates.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import FloatField
from django.utils import timezone

from processes.models import Comparator, Metric, SLATarget
from reporting import kpis
from reporting.models import DailyKpi
from reporting.periods import month_bounds
from reporting.selectors import kpi_sums

PATTERN_WEEKS = 8
RECENT_DAYS = 7
PATTERN_CACHE_SECONDS = 600

STATUS_LABELS = {
    # (status, is the month still running?) → what a reader should take from it
    ("met", False): "Met",
    ("missed", False): "Missed",
    ("undefined", False): "No data",
    ("met", True): "On track",
    ("at_risk", True): "At risk",
    ("missed", True): "Off track",
    ("undefined", True): "No data yet",
}


def local_today(process, now: datetime | None = None) -> date:
    """Today's calendar date in the process's time zone."""
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(process.timezone)).date()


def zone_note(processes) -> str:
    """Whose local day the figures of these processes are: one zone's name, or each process's own."""
    zones = sorted({p.timezone for p in processes})
    if len(zones) == 1:
        return zones[0]
    return "each process's own local day: " + ", ".join(zones)


def meets(value: float | None, comparator: str, target: float) -> bool | None:
    """Whether `value` satisfies `comparator target`; None when the value is undefined."""
    if value is None:
        return None
    return value >= target if comparator == Comparator.AT_LEAST else value <= target


@dataclass
class TargetStatus:
    """One SLA target of one process for one month."""

    target: object  # SLATarget
    actual: float | None
    met: bool | None
    is_current: bool
    projected: float | None = None
    at_risk: bool | None = None
    required_within: int | None = None  # service level: remaining contacts that must be answered in time
    remaining_expected: int | None = None  # service level: remaining contacts expected in the SL denominator
    status: str = "undefined"
    credit_amount: Decimal | None = None

    @property
    def metric(self) -> str:
        return self.target.metric

    @property
    def process(self):
        return self.target.process

    @property
    def label(self) -> str:
        return STATUS_LABELS[(self.status, self.is_current)]

    @property
    def gap(self) -> float | None:
        """actual − target, signed so that a positive gap is always on the good side."""
        if self.actual is None:
            return None
        difference = self.actual - float(self.target.target)
        return difference if self.target.comparator == Comparator.AT_LEAST else -difference

    def as_dict(self) -> dict:
        data = {
            "process": self.process.code,
            "metric": self.metric,
            "comparator": self.target.comparator,
            "target": float(self.target.target),
            "actual": _round(self.actual),
            "met": self.met,
            "credit_percent": float(self.target.credit_percent),
            "status": self.status,
            "gap": _round(self.gap),
        }
        if self.is_current:
            data["projected"] = _round(self.projected)
            data["at_risk"] = self.at_risk
            if self.metric == Metric.SERVICE_LEVEL:
                data["required_within"] = self.required_within
                data["remaining_expected"] = self.remaining_expected
        return data


@dataclass
class ProcessMonth:
    """A process's month: summed components, figures, projection inputs and target statuses."""

    process: object
    month: date
    start: date
    end: date
    today: date
    components: dict
    figures: dict
    computed_at: datetime | None
    is_current: bool
    days_elapsed: int
    days_in_month: int
    expected_remaining_offered: float = 0.0
    projected_components: dict | None = None
    projected_figures: dict = field(default_factory=dict)
    targets: list[TargetStatus] = field(default_factory=list)

    @property
    def worst_status(self) -> str:
        order = {"missed": 0, "at_risk": 1, "met": 2, "undefined": 3}
        statuses = [t.status for t in self.targets]
        return min(statuses, key=order.__getitem__) if statuses else "undefined"

    @property
    def projected_offered(self) -> int | None:
        if self.projected_components is None:
            return None
        return round(self.projected_components["offered"])


def _round(value):
    return None if value is None else round(value, 2)


def _daily_kpis(process_ids, start: date, end: date):
    """The component rows of the given processes over an inclusive range. The processes were
    chosen by the caller, inside its scope; their rows are read by process id."""
    return DailyKpi.objects.unscoped("rows of processes the caller has already scoped").filter(
        process_id__in=process_ids, local_date__range=(start, end)
    )


# Components stored in float columns (sums of seconds, of QA scores).
FLOAT_COMPONENTS = frozenset(f.name for f in DailyKpi._meta.concrete_fields if isinstance(f, FloatField))


def _typed(components: dict) -> dict:
    """A month of a process with rows keeps the column types of its sums, 0.0 included: the
    monthly rows of the CSV export print a sum of seconds as a float."""
    return {name: float(value) if name in FLOAT_COMPONENTS else value for name, value in components.items()}


def _weekday_history(process_ids: list[int], start: date, before: date) -> dict:
    """{(process id, day): volume (offered + received)} for the days before the recent window:
    the volume pattern of the projection. These are past days that change only with late data, so the result is cached
    for PATTERN_CACHE_SECONDS (the recent days and the month itself are always read fresh)."""
    key = "sla-pattern:" + hashlib.sha256(f"{sorted(process_ids)}:{start}:{before}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    older = _daily_kpis(process_ids, start, before - timedelta(days=1))
    result = {
        entry.key: kpis.volume(entry.components)
        for entry in kpi_sums(older, "process_id", "local_date", components=("offered", "received"))
    }
    cache.set(key, result, PATTERN_CACHE_SECONDS)
    return result


def process_months(processes, month: date, *, now: datetime | None = None) -> list[ProcessMonth]:
    """Every given process's month (figures from summed components, SLA statuses, and for the
    running month the projection). A handful of queries whatever the number of processes."""
    processes = list(processes)
    if not processes:
        return []
    now = now or timezone.now()
    first, last = month_bounds(month)
    ids = [p.pk for p in processes]
    todays = {p.pk: local_today(p, now) for p in processes}
    running = [p.pk for p in processes if first <= todays[p.pk] <= last]
    # Three small reads: the month's components per process (summed in the database), the
    # recent days the projection's pace comes from per (process, day), and only the volume for
    # the older weekday pattern (cached).
    history = defaultdict(dict)  # process id → {day: components}
    month_rows = defaultdict(kpis.empty_components)
    month_last = {}
    for entry in kpi_sums(_daily_kpis(ids, first, last), "process_id"):
        month_rows[entry.key[0]], month_last[entry.key[0]] = _typed(entry.components), entry.computed_at
    if running:
        recent_from = min(todays[i] for i in running) - timedelta(days=RECENT_DAYS)
        recent_to = max(todays[i] for i in running)
        for entry in kpi_sums(_daily_kpis(running, recent_from, recent_to), "process_id", "local_date"):
            history[entry.key[0]][entry.key[1]] = entry.components
        earliest = min(todays[i] for i in running) - timedelta(days=PATTERN_WEEKS * 7)
        for (pid, day), arrived in _weekday_history(running, earliest, recent_from).items():
            history[pid][day] = {"offered": arrived}

    targets = defaultdict(list)

    for target in SLATarget.objects.of(process__in=processes).order_by("metric"):
        targets[target.process_id].append(target)

    result = []
    for process in processes:
        components = dict(month_rows[process.pk])
        today = todays[process.pk]
        is_current = first <= today <= last
        pm = ProcessMonth(
            process=process,
            month=first,
            start=first,
            end=last,
            today=today,
            components=components,
            figures=kpis.figures(components, digits=None),
            computed_at=month_last.get(process.pk),
            is_current=is_current,
            days_elapsed=(min(today, last) - first).days + 1 if today >= first else 0,
            days_in_month=(last - first).days + 1,
        )
        if is_current:
            _project(pm, history[process.pk])
        for target in targets[process.pk]:
            target.process = process
            pm.targets.append(_evaluate(pm, target))
        result.append(pm)
    return result


def _project(pm: ProcessMonth, days: dict) -> None:
    """Fill the month-end projection of a running month (module docstring)."""
    today = pm.today
    pattern_start = today - timedelta(days=PATTERN_WEEKS * 7)
    known = [d for d in days if pattern_start <= d < today]
    by_weekday: dict[int, list[float]] = defaultdict(list)
    if known:
        # Days with no rows after the first day with data are real zero-volume days.
        day = min(known)
        while day < today:
            by_weekday[day.weekday()].append(kpis.volume(days.get(day, {})))
            day += timedelta(days=1)
    if by_weekday:

        def expected(d: date) -> float:
            values = by_weekday.get(d.weekday())
            if values:
                return sum(values) / len(values)
            return sum(sum(v) for v in by_weekday.values()) / sum(len(v) for v in by_weekday.values())

    else:
        elapsed = max(pm.days_elapsed, 1)

        def expected(d: date) -> float:
            return kpis.volume(pm.components) / elapsed

    offered_today = kpis.volume(days.get(today, {}))
    remaining = max(0.0, expected(today) - offered_today)
    day = today + timedelta(days=1)
    while day <= pm.end:
        remaining += expected(day)
        day += timedelta(days=1)
    pm.expected_remaining_offered = remaining

    recent = kpis.empty_components()
    for offset in range(1, RECENT_DAYS + 1):
        for name, value in days.get(today - timedelta(days=offset), {}).items():
            recent[name] += value
    if not kpis.volume(recent):
        recent = dict(pm.components)
    scale = remaining / kpis.volume(recent) if kpis.volume(recent) else 0.0
    projected = {name: pm.components[name] + scale * recent[name] for name in kpis.COMPONENTS}
    pm.projected_components = projected
    pm.projected_figures = kpis.figures(projected, digits=None)


def _evaluate(pm: ProcessMonth, target) -> TargetStatus:
    goal = float(target.target)
    actual = pm.figures.get(target.metric)
    status = TargetStatus(target=target, actual=actual, met=meets(actual, target.comparator, goal), is_current=False)
    if not pm.is_current:
        status.status = "undefined" if status.met is None else ("met" if status.met else "missed")
        return status
    status.is_current = True
    projected = pm.projected_figures.get(target.metric)
    status.projected = projected
    projected_met = meets(projected, target.comparator, goal)
    status.at_risk = None if projected_met is None else not projected_met
    impossible = False
    if target.metric == Metric.SERVICE_LEVEL and target.comparator == Comparator.AT_LEAST and pm.projected_components:
        remaining_denominator = max(0.0, pm.projected_components["sl_denominator"] - pm.components["sl_denominator"])
        total_denominator = pm.components["sl_denominator"] + remaining_denominator
        needed = math.ceil(goal / 100.0 * total_denominator - pm.components["sl_numerator"] - 1e-9)
        status.required_within = max(0, needed)
        status.remaining_expected = round(remaining_denominator)
        impossible = needed > remaining_denominator + 1e-9 and total_denominator > 0
    if status.met is None and projected_met is None:
        status.status = "undefined"
    elif impossible or (status.met is False and projected_met is False):
        status.status = "missed"
    elif status.met is not False and projected_met is not False:
        status.status = "met"
    else:
        status.status = "at_risk"
    if status.at_risk is None and status.met is not None:
        status.at_risk = not status.met
    return status


@dataclass
class Credits:
    """Service credits owed by the BPO to a client for a month."""

    owed_percent: Decimal
    capped_percent: Decimal
    amount: Decimal | None
    cap_applied: bool


def credits_for(client, statuses: list[TargetStatus]) -> Credits:
    """Σ credit_percent of the missed targets, capped at the client's `credit_cap_percent`, and
    the amount in the currency of `monthly_fee` (None without a fee). Only a finished month's
    missed targets owe a credit; a running month's are shown as what would be owed."""
    owed = sum((Decimal(t.target.credit_percent) for t in statuses if t.met is False), Decimal("0"))
    capped = owed
    cap_applied = False
    if client.credit_cap_percent is not None and owed > client.credit_cap_percent:
        capped, cap_applied = Decimal(client.credit_cap_percent), True
    amount = None
    if client.monthly_fee is not None:
        amount = (Decimal(client.monthly_fee) * capped / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Credits(owed_percent=owed, capped_percent=capped, amount=amount, cap_applied=cap_applied)
