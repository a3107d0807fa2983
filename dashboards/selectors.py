"""Reads behind the dashboards. Every figure comes from summed `DailyKpi` components (never a
scan of interactions), except two things that are about single interactions by nature: the
intraday profile of one day and the interaction list at the bottom of a drill-down, whose
totals are computed with the very same component SQL as the engine (`reporting.kpis`), so that
they equal the figure that was clicked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.scoping import scope_q
from bpo_portal import metrics, units
from processes import predicates
from processes.models import Interaction, SLATarget
from reporting import kpis, periods
from reporting.models import DailyKpi
from reporting.selectors import kpi_queryset, kpi_sums
from reporting.templatetags.kpi_format import kpi, state_class
from sla import compliance

# The figures a dashboard grid shows, in order (labels, units and channels: bpo_portal.metrics).
GRID = metrics.select("service_level", "aht", "asa", "abandon_rate", "fcr", "csat", "qa_score", "tat_compliance")
STATUS_ORDER = {"missed": 0, "at_risk": 1, "met": 2, "undefined": 3, None: 4}

# Outliers on a team page: an agent's figure this far from the team's, with enough volume to matter.
OUTLIER_RULES = {
    "aht": ("above", 1.25, "handled", 20, "AHT more than 25 % above the team's", "handled"),
    "csat": ("below", 15.0, "csat_responses", 10, "CSAT more than 15 points below the team's", "survey answers"),
    "fcr": ("below", 15.0, "fcr_eligible", 20, "FCR more than 15 points below the team's", "FCR-eligible contacts"),
    "qa_score": ("below", 10.0, "qa_count", 3, "QA score more than 10 points below the team's", "evaluations"),
}


@dataclass
class Figures:
    """Summed components of a group and the figures computed from them."""

    components: dict = field(default_factory=kpis.empty_components)
    computed_at: datetime | None = None
    _values: dict | None = field(default=None, repr=False, compare=False)

    @property
    def values(self) -> dict:
        if self._values is None:
            data = kpis.figures(self.components, digits=None)
            for name in metrics.COUNTS:
                data[name] = self.components[name]
            self._values = data
        return self._values

    def __getitem__(self, name):
        return self.values[name]

    def add(self, other: Figures) -> None:
        self._values = None
        for name in kpis.COMPONENTS:
            self.components[name] += other.components[name]
        if other.computed_at and (self.computed_at is None or other.computed_at > self.computed_at):
            self.computed_at = other.computed_at


def rollup(queryset, *keys) -> dict:
    """{key tuple (or the single key): Figures} of `queryset` grouped by `keys`; {None: …} when
    no key is given. One GROUP BY query (reporting.selectors.kpi_sums)."""
    if not keys:
        (entry,) = kpi_sums(queryset)
        return {None: Figures(entry.components, entry.computed_at)}
    return {
        entry.key[0] if len(keys) == 1 else entry.key: Figures(entry.components, entry.computed_at)
        for entry in kpi_sums(queryset, *keys)
    }


def kpi_rows(user, *, start: date, end: date, **filters):
    """The caller's DailyKpi rows in an inclusive local date range, narrowed by model filters."""
    return kpi_queryset(user=user, start=start, end=end).filter(**filters)


# --- the SLA-coloured grid ---------------------------------------------------------------------------


@dataclass
class Cell:
    metric: str
    value: float | None
    unit: str
    status: compliance.TargetStatus | None = None  # month status when the period is a month
    target_met: bool | None = None  # value vs target for other periods (indicative)
    applicable: bool = True  # False: the figure does not apply to the process's channel

    @property
    def definition(self) -> metrics.Metric:
        return metrics.metric(self.metric)

    @property
    def state(self) -> str | None:
        """met / at_risk / missed / undefined, or None when the process has no target on it."""
        if self.status is not None:
            return self.status.status
        if self.target_met is None:
            return None
        return "met" if self.target_met else "missed"

    def display(self) -> dict:
        """Everything the grid prints for this cell, formatted once (a 300-process grid would
        otherwise do thousands of template lookups)."""

        status = self.status
        title = ""
        projected = ""
        if status is not None:
            target = status.target
            goal = metrics.metric_target(target.comparator, target.target, self.metric)
            title = f"{metrics.metric(self.metric).label}: target {goal} · {status.label}"
            if status.is_current:
                title += f" · projected {kpi(status.projected, self.metric)}"
                if status.projected is not None:
                    projected = kpi(status.projected, self.metric)
        elif self.target_met is not None:
            title = "Indicative: this period's value against the monthly target"
        return {
            "text": kpi(self.value, self.metric),
            "css": state_class(self.state),
            "title": title,
            "projected": projected,
        }

    def html(self, url: str) -> str:
        """The grid cell as HTML (escaped), linking to the page that explains the figure."""
        shown = self.show
        title = format_html(' title="{}"', shown["title"]) if shown["title"] else ""
        if self.applicable:
            body = format_html('<a href="{}" data-figure="{}">{}</a>', url, self.metric, shown["text"])
        else:
            reason = metrics.metric(self.metric).not_applicable
            body = format_html('<span class="text-body-secondary" title="{}">n/a</span>', reason)
        projected = format_html('<span class="proj">→ {}</span>', shown["projected"]) if shown["projected"] else ""
        return format_html('<td class="num kpi {}"{}>{}{}</td>', shown["css"], title, body, projected)


@dataclass
class GridRow:
    process: object
    figures: Figures
    cells: list
    month: compliance.ProcessMonth | None
    overdue: int | None = None

    @property
    def url(self) -> str:
        return reverse("dashboards:process", args=[self.process.code])

    def cells_html(self, query: str) -> str:
        """Every figure cell of the row, rendered once in Python (a grid of hundreds of
        processes would otherwise cost thousands of template lookups)."""
        url = self.url + query
        return mark_safe("".join(cell.html(url) for cell in self.cells))  # noqa: S308 - parts escaped by format_html

    @property
    def worst(self) -> str | None:
        states = [c.state for c in self.cells if c.state]
        return min(states, key=STATUS_ORDER.__getitem__) if states else None

    @property
    def sort_key(self):
        # Worst status first; then the biggest relative shortfall; then volume.
        shortfall = 0.0
        for cell in self.cells:
            target = cell.status.target if cell.status else None
            if target is not None and cell.status.gap is not None and float(target.target):
                shortfall = min(shortfall, cell.status.gap / float(target.target))
        return (STATUS_ORDER[self.worst], shortfall, -kpis.volume(self.figures.components), self.process.code)

    @property
    def volume_name(self) -> str:
        """`offered` (queue work) or `received` (back-office work): the process's volume count."""
        return kpis.volume_name(self.process.channel)

    @property
    def volume(self) -> int:
        return self.figures.components[self.volume_name]

    @property
    def projected_volume(self) -> int | None:
        """The month-end volume the projection expects (offered + received), for a running month."""
        month = self.month
        if month is None or not month.is_current or month.projected_components is None:
            return None
        return round(kpis.volume(month.projected_components))


def month_of_period(period) -> date | None:
    """The month whose SLA status a period shows: a whole calendar month, or month-to-date."""
    first, last = periods.month_bounds(period.start)
    if period.start != first:
        return None
    if period.end == last or (period.end == period.today and first <= period.today <= last):
        return first
    return None


def process_grid(user, processes, period, *, overdue: dict | None = None) -> list[GridRow]:
    """One row per process with the period's figures, each cell coloured against the process's
    SLA target: the month's status (with projection) when the period is a month or month-to-date,
    otherwise an indicative comparison of the period's value with the monthly target.

    A preset ("today", "this month"…) is resolved per process on its own local date, so a
    Kolkata process's "today" is Kolkata's today, as on its own page."""
    processes = list(processes)
    periods = {p.pk: period.for_tz(p.timezone) for p in processes}
    if not processes:
        return []
    months = {}
    for process in processes:
        month = month_of_period(periods[process.pk])
        if month:
            months[process.pk] = month
    evaluated = {}
    for month in set(months.values()):
        chosen = [p for p in processes if months.get(p.pk) == month]
        evaluated.update({pm.process.pk: pm for pm in compliance.process_months(chosen, month)})
    figures = defaultdict(Figures)
    for pk, pm in evaluated.items():
        # The month's (to date) components are the period's: read once, for both.
        figures[pk] = Figures(dict(pm.components), pm.computed_at)
    others = [p for p in processes if p.pk not in evaluated]
    if others:
        first = min(periods[p.pk].start for p in others)
        last = max(periods[p.pk].end for p in others)
        by_day = rollup(kpi_rows(user, start=first, end=last, process__in=others), "process_id", "local_date")
        for (process_id, day), figs in by_day.items():
            own = periods[process_id]
            if own.start <= day <= own.end:
                figures[process_id].add(figs)
    targets = defaultdict(dict)

    for target in SLATarget.objects.of(process__in=[p for p in processes if p.pk not in months]):
        targets[target.process_id][target.metric] = target
    rows = []
    for process in processes:
        figs = figures.get(process.pk, Figures())
        pm = evaluated.get(process.pk)
        statuses = {t.metric: t for t in pm.targets} if pm else {}
        cells = []
        for definition in GRID:
            key = definition.key
            value = figs.values[key]
            cell = Cell(metric=key, value=value, unit=definition.unit, status=statuses.get(key))
            target = targets[process.pk].get(key)
            # KPIS.md "Channels": a figure that does not apply to the process's channel reads
            # "n/a" unless it has data (a voice process's completed work items have a TAT) or a target.
            if value is None and not definition.applies([process.channel]) and not (cell.status or target):
                cell.applicable = False
            if target is not None:
                cell.target_met = compliance.meets(value, target.comparator, float(target.target))
            cell.show = cell.display()
            cells.append(cell)
        rows.append(GridRow(process, figs, cells, pm, None if overdue is None else overdue.get(process.code, 0)))
    rows.sort(key=lambda r: r.sort_key)
    return rows


def client_summaries(rows: list[GridRow]) -> list[dict]:
    """Per client: summed figures of its processes and counts of targets by status."""
    clients = {}
    for row in rows:
        client = row.process.client
        entry = clients.setdefault(
            client.pk,
            {"client": client, "figures": Figures(), "processes": 0, "met": 0, "at_risk": 0, "missed": 0},
        )
        entry["figures"].add(row.figures)
        entry["processes"] += 1
        for cell in row.cells:
            if cell.state in ("met", "at_risk", "missed"):
                entry[cell.state] += 1
    result = list(clients.values())
    result.sort(key=lambda e: (-e["missed"], -e["at_risk"], e["client"].code))
    return result


# --- periods over processes in several zones ---------------------------------------------------------


def zones_of(processes) -> list[str]:
    """The distinct time zones of `processes`, sorted."""
    return sorted({p.timezone for p in processes})


def local_period_q(period, processes, *, field: str = "process") -> Q:
    """The rows whose local day falls in `period` as each process resolves it on its own date:
    "today" of a Kolkata process is Kolkata's today (KPIS.md: figures belong to the process's
    local calendar day). Rows of processes not listed, and of those whose own dates equal the
    period's, use the period's dates; one plain range when no process differs."""
    moved = defaultdict(list)
    for process in processes:
        own = period.for_tz(process.timezone)
        if (own.start, own.end) != (period.start, period.end):
            moved[(own.start, own.end)].append(process.pk)
    condition = Q(local_date__range=(period.start, period.end))
    if not moved:
        return condition
    condition &= ~Q(**{f"{field}__in": [pk for pks in moved.values() for pk in pks]})
    for (start, end), pks in moved.items():
        condition |= Q(**{f"{field}__in": pks}, local_date__range=(start, end))
    return condition


def today_of(period):
    """The "today" preset in the period's reference zone (each process then uses its own)."""
    return type(period)(preset="today", start=period.today, end=period.today, today=period.today, tz=period.tz)


def kpi_rows_in(user, period, processes, **filters):
    """The caller's DailyKpi rows of `period`, each process on its own local dates."""
    return DailyKpi.objects.filter(scope_q(DailyKpi, user), local_period_q(period, processes), **filters)


# --- trends ------------------------------------------------------------------------------------------

# A trend chart covers at least this many local days ending with the period, so that early in a
# month (when "this month" is a day or two) the charts still show a trend worth reading.
TREND_MIN_DAYS = 30


def trend_window(period) -> tuple[date, date]:
    """The days a period's trend charts cover: the period, widened to the last TREND_MIN_DAYS
    local days ending on its last day when it is shorter."""
    start = min(period.start, period.end - timedelta(days=TREND_MIN_DAYS - 1))
    return start, period.end


def trend_caption(period) -> str:
    """What the trend charts cover, with the dates: "last 30 days, 03 Nov – 02 Dec 2026"."""
    start, end = trend_window(period)
    dates = f"{start:%d %b} – {end:%d %b %Y}" if start.year == end.year else f"{start:%d %b %Y} – {end:%d %b %Y}"
    if start < period.start:
        return f"last {TREND_MIN_DAYS} days, {dates}"
    return dates


def daily_series(queryset, start: date, end: date) -> list[tuple[date, Figures]]:
    """Every local day of the range (empty days included, so charts show gaps as zero volume)."""
    by_day = rollup(queryset, "local_date")
    days = []
    day = start
    while day <= end:
        days.append((day, by_day.get(day, Figures())))
        day += timedelta(days=1)
    return days


def values_of(series: list[tuple[object, Figures]], name: str) -> list:
    """One figure per point, rounded for display (None = undefined, drawn as a gap)."""
    values = []
    for _, figs in series:
        value = figs.values[name]
        values.append(None if value is None else round(value, 2))
    return values


def _day_labels(series) -> list[str]:
    return [d.strftime("%d %b") for d, _ in series]


# Chart specs, drawn by static/js/dashboards.js.


def axis_unit(metric: str) -> str:
    """The unit a chart's axis is drawn in (static/js/dashboards.js): "%", "s" (m:ss) or none."""
    unit = metrics.unit(metric)
    return unit if unit in (units.PERCENT, units.DURATION) else ""


def _dataset(series, name: str, kind: str, color: str) -> dict:
    return {"label": metrics.metric(name).caption, "data": values_of(series, name), "type": kind, "color": color}


def volume_chart(series, channel: str = "voice") -> dict:
    """Volume per day: offered, handled and abandoned for queue work; received and handled for
    back-office work (KPIS.md "Channels")."""
    if kpis.volume_name(channel) == "received":
        datasets = [_dataset(series, "received", "line", "#0b3d91"), _dataset(series, "handled", "bar", "#2e86de")]
    else:
        datasets = [
            _dataset(series, "offered", "line", "#0b3d91"),
            _dataset(series, "handled", "bar", "#2e86de"),
            _dataset(series, "abandoned", "bar", "#c0392b"),
        ]
    return {"labels": _day_labels(series), "stacked": False, "yTitle": "interactions", "datasets": datasets}


def rate_chart(series, metric: str, label: str | None = None, *, target: float | None = None) -> dict:
    """One figure per day, labelled with its caption (or `label`), against its target if any."""
    unit = axis_unit(metric)
    datasets = [
        {"label": label or metrics.metric(metric).caption, "data": values_of(series, metric), "color": "#0b3d91"}
    ]
    if target is not None:
        datasets.append(
            {"label": "Target", "data": [target] * len(series), "color": "#c0392b", "dashed": True, "points": False}
        )
    spec = {"labels": _day_labels(series), "yUnit": unit, "datasets": datasets}
    if unit == "%":
        spec["yMax"] = 100
    if unit == "s":
        spec["yTitle"] = "duration (m:ss)"
    return spec


def compare_chart(named_series: list[tuple[str, list]], metric: str) -> dict:
    """The same figure for several groups (agent vs team vs process) on one axis."""
    colors = ["#0b3d91", "#e67e22", "#7f8c8d"]
    first = named_series[0][1]
    unit = axis_unit(metric)
    spec = {
        "labels": _day_labels(first),
        "yUnit": unit,
        "datasets": [
            {"label": name, "data": values_of(series, metric), "color": colors[i % 3], "dashed": i > 0}
            for i, (name, series) in enumerate(named_series)
        ],
    }
    if unit == "%":
        spec["yMax"] = 100
    return spec


def intraday_profile(process, day: date, *, user) -> list[dict]:
    """The interactions of one local day by local hour of arrival, with the same component
    definitions as the engine. Grouped in the database by absolute quarter-hour (every UTC
    offset in use is a multiple of 15 minutes, e.g. +05:30), then each quarter is placed in its
    local wall-clock hour — exact across DST changes (a 23- or 25-hour day)."""
    tz = ZoneInfo(process.timezone)
    columns = kpis.component_sql("i", "p")
    names = list(columns)
    scope = Interaction.objects.filter(scope_q(Interaction, user), process=process, local_date=day)
    inner, params = scope.values("id").query.sql_with_params()
    sql = (
        f"SELECT i.arrived_us / 900000000 AS q, {', '.join(f'{columns[n]} AS {n}' for n in names)} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        f"WHERE i.process_id = %s AND i.local_date = %s AND i.id IN ({inner}) GROUP BY 1 ORDER BY 1"
    )
    hours: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [process.pk, day, *params])
        for row in cursor.fetchall():
            moment = datetime.fromtimestamp(row[0] * 900, tz)
            bucket = hours.setdefault(moment.hour, kpis.empty_components())
            for name, value in zip(names, row[1:], strict=True):
                bucket[name] += value or 0
    profile = []
    for hour in range(24):
        components = hours.get(hour, kpis.empty_components())
        figs = Figures(components)
        profile.append({"hour": hour, "label": f"{hour:02d}:00", "figures": figs})
    return profile


# --- people ------------------------------------------------------------------------------------------


def outliers(agent_figs: Figures, team_figs: Figures) -> list[str]:
    """Which of the agent's figures stand out against the team's (OUTLIER_RULES)."""
    flags = []
    for metric, (direction, amount, volume_field, minimum, _text, _unit) in OUTLIER_RULES.items():
        if agent_figs.components[volume_field] < minimum:
            continue
        mine, theirs = agent_figs.values[metric], team_figs.values[metric]
        if mine is None or theirs is None:
            continue
        if direction == "above" and mine > theirs * amount or direction == "below" and mine < theirs - amount:
            flags.append(metric)
    return flags


# --- the interactions behind a figure ----------------------------------------------------------------

OUTCOMES = {
    "offered": "offered (inbound calls, chats and emails)",
    "received": "received (inbound back-office items)",
    "answered": "answered (inbound)",
    "abandoned": "abandoned (not short)",
    "short_abandoned": "short abandons",
    "handled": "handled (inbound and outbound)",
    "answered_late": "answered after the SL threshold",
    "csat": "with a CSAT answer",
    "repeat": "followed by a repeat contact (not FCR-resolved)",
}


def interaction_totals(queryset) -> Figures:
    """Components of exactly the interactions in `queryset`, with the engine's SQL (kpis), so
    the list's totals equal the dashboard figure for the same filter. `figures.rows` is the
    number of interactions (inbound and outbound), which the list's paginator reuses.

    A filter on the interaction table alone is applied as the WHERE clause itself (one index
    range scan); a filter that needs joins (an agent's own interactions) goes through an IN."""
    query = queryset.order_by().query
    table = Interaction._meta.db_table
    columns = kpis.component_sql(table, "p")
    names = list(columns)
    select = f"SELECT COUNT(*), {', '.join(f'{columns[n]} AS {n}' for n in names)} "
    joined = f"FROM {table} JOIN processes_process p ON p.id = {table}.process_id "
    if set(query.alias_map) == {table}:
        where, params = query.get_compiler(connection=connection).compile(query.where)
        sql = select + joined + (f"WHERE {where}" if where else "")
    else:
        inner, params = queryset.order_by().values("id").query.sql_with_params()
        sql = select + joined + f"WHERE {table}.id IN ({inner})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    components = kpis.empty_components()  # QA components come from evaluations, not interactions
    components.update({name: (value or 0) for name, value in zip(names, row[1:], strict=True)})
    figures = Figures(components)
    figures.rows = row[0]
    return figures


# The interactions behind each outcome: the very predicates the engine's components count
# (processes.predicates), as ORM filters.
OUTCOME_PREDICATES = {
    "offered": predicates.OFFERED,
    "received": predicates.RECEIVED,
    "answered": predicates.ANSWERED,
    "abandoned": predicates.ABANDONED,
    "short_abandoned": predicates.SHORT_ABANDONED,
    "handled": predicates.HANDLED,
    "answered_late": predicates.ANSWERED_LATE,
    "csat": predicates.CSAT_ANSWERED,
    "repeat": predicates.REPEATED,
}


def outcome_filter(queryset, outcome: str):
    """Narrow a list of interactions to one outcome (the rows behind one count); an unknown
    outcome leaves it whole."""
    predicate = OUTCOME_PREDICATES.get(outcome)
    return queryset if predicate is None else queryset.filter(predicate.q())
