"""Dashboards: operations overview → client → process → team → agent → the interactions behind a
figure, and the client portal. Server-rendered from stored components (dashboards.selectors);
the filter lives in the query string (dashboards.filters)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.scoping import ADMIN, AGENT, CLIENT, OPS_MANAGER, TEAM_LEADER, effective_role
from agents.models import Agent, Team
from bpo_portal import metrics
from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from bpo_portal.timezones import local_days_rule
from clients.models import Client
from dashboards import selectors as dash
from dashboards.filters import PRESETS, Period, period_from, querystring, resolve
from processes.models import Interaction, Process
from reporting import kpis
from reporting.models import DailyKpi
from sla import compliance
from sla.reports.selectors import reports_for_client
from work.selectors import work_overdue_counts_by_process
from workforce import plan as workforce_plan
from workforce import staffing


def _overdue_by_process(user) -> dict | None:
    """Overdue work items per process code."""
    return {code: entry["overdue"] for code, entry in work_overdue_counts_by_process(user).items()}


class DashboardMixin(ScopedMixin):
    """Period filter, shared context and the rules about who may see people's names."""

    zones: list[str] = []

    def get_period(self, tz=None, *, zones=None):
        """Resolve the filter's period. `zones` are the time zones of the processes the page
        reads: a page whose processes share one zone resolves its presets there (and says so);
        a page mixing zones resolves them on each process's own date and names every zone."""
        self.zones = sorted(set(zones or ([tz] if tz else [])))
        if tz is None and len(self.zones) == 1:
            tz = self.zones[0]
        self.period, self.period_form = period_from(self.request.GET, tz=tz)
        return self.period

    def trend_range(self):
        """The local days the page's trend charts cover (at least the last 30, see dashboards)."""
        return dash.trend_window(self.period)

    def base_query(self) -> dict:
        return self.period.query()

    def names_visible(self, client=None) -> bool:
        """Client users see agent and team names only when their client allows it (ROLES.md)."""
        if effective_role(self.request.user) != CLIENT:
            return True
        return bool((client or self.request.user.client).show_agent_names)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            period=self.period,
            period_form=self.period_form,
            presets=PRESETS,
            query=self.base_query(),
            qs=querystring(self.base_query()),
            exact=self.period.exact_query(),
            role=effective_role(self.request.user),
            metrics=dash.GRID,
            tile_metrics=TILES,
            filter_fields=[],
            can_interactions=self.can("interactions.view"),
            can_import=self.can("interactions.import"),
            can_manage=self.can("processes.manage"),
            perms_overview=self.can("dashboards.overview"),
            perms_team=self.can("dashboards.team"),
            perms_agent=self.can("dashboards.agent"),
            kpi_version=kpis.KPI_DEFINITION_VERSION,
            days_rule=local_days_rule(self.zones or [self.period.tz]),
            mixed_zones=len(self.zones) > 1,
            dates_by_zone=self.period.dates_by_zone(self.zones),
            trend_caption=dash.trend_caption(self.period),
        )
        return context


# The tiles of each page, in order (captions, units and channels: bpo_portal.metrics).
TILES = metrics.select("offered", "service_level", "aht", "abandon_rate", "fcr", "csat")
# A back-office process's tiles (KPIS.md "Channels": no queue figures for back-office items).
BACKOFFICE_TILES = metrics.select("received", "handled", "tat_compliance", "aht", "qa_score", "csat")


def tiles_for(channel: str) -> list[metrics.Metric]:
    """The tiles of a process dashboard: the figures that apply to the process's channel."""
    return BACKOFFICE_TILES if kpis.volume_name(channel) == "received" else TILES


PEOPLE_TILES = metrics.select("handled", "aht", "fcr", "csat", "csat_mean", "qa_score")


def _interactions_url(base: dict, **scope) -> str:
    return reverse("dashboards:interactions") + querystring(base, **scope)


class OverviewView(DashboardMixin, TemplateView):
    """Every client and process in scope, this period's figures against SLA, worst first."""

    capability = "dashboards.overview"
    template_name = "dashboards/overview.html"

    def get(self, request, *args, **kwargs):
        self.processes = self.scoped(Process).select_related("client").filter(active=True)
        client_code = self.request.GET.get("client", "")
        if client_code:
            self.processes = self.processes.filter(client__code__iexact=client_code)
        self.get_period(zones=self.processes.values_list("timezone", flat=True).distinct())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        processes = self.processes
        client_code = self.request.GET.get("client", "")
        overdue = _overdue_by_process(self.request.user)
        rows = dash.process_grid(self.request.user, processes, self.period, overdue=overdue)
        show_staffing = self.can("workforce.view")
        if show_staffing:  # each process's staffing gap today (its own local day): bounded queries
            plans = staffing.gaps_today([row.process for row in rows], timezone.now())
            for row in rows:
                row.staffing = plans.get(row.process.pk)
        context.update(
            rows=rows,
            show_staffing=show_staffing,
            clients=dash.client_summaries(rows),
            client_choices=self.scoped(Client).order_by("code"),
            client_code=client_code,
            month=dash.month_of_period(self.period),
            totals=_total(rows),
            show_overdue=overdue is not None,
        )
        return context


def _total(rows) -> dash.Figures:
    total = dash.Figures()
    for row in rows:
        total.add(row.figures)
    return total


class ClientDashboardView(DashboardMixin, TemplateView):
    """One client: its processes against SLA, and the client's daily trend."""

    capability = "dashboards.overview"
    template_name = "dashboards/client_dashboard.html"
    model = Client

    def get(self, request, *args, **kwargs):
        self.client = get_object_or_404(self.scoped(Client), code__iexact=kwargs["code"])
        self.get_period(
            self.client.timezone,
            zones=self.scoped(Process).filter(client=self.client).values_list("timezone", flat=True).distinct(),
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        processes = self.scoped(Process).filter(client=self.client).select_related("client")
        overdue = _overdue_by_process(self.request.user)
        rows = dash.process_grid(self.request.user, processes, self.period, overdue=overdue)
        start, end = self.trend_range()
        series = dash.daily_series(
            dash.kpi_rows(self.request.user, start=start, end=end, client=self.client), start, end
        )
        context.update(
            client=self.client,
            rows=rows,
            totals=_total(rows),
            show_overdue=overdue is not None,
            month=dash.month_of_period(self.period),
            charts=[
                ("client-volume", "Volume per day", dash.volume_chart(series)),
                *_daily_charts("client", series, ("service_level", "aht", "csat")),
            ],
        )
        return context


class ProcessDashboardView(DashboardMixin, TemplateView):
    """A process: tiles, daily trends, intraday profile, SLA targets, teams and agents."""

    capability = "dashboards.process"
    template_name = "dashboards/process_dashboard.html"
    model = Process

    def get(self, request, *args, **kwargs):
        self.process = get_object_or_404(self.scoped(Process).select_related("client"), code__iexact=kwargs["code"])
        self.get_period(self.process.timezone, zones=[self.process.timezone])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, process, period = self.request.user, self.process, self.period
        rows = dash.kpi_rows(user, start=period.start, end=period.end, process=process)
        grid = dash.process_grid(user, [process], period)[0]
        trend_start, trend_end = self.trend_range()
        series = dash.daily_series(
            dash.kpi_rows(user, start=trend_start, end=trend_end, process=process), trend_start, trend_end
        )
        month_start = dash.month_of_period(period) or period.end.replace(day=1)
        month = compliance.process_months([process], month_start)[0]
        day, intraday, intraday_note = self.intraday()
        names = self.names_visible(process.client)
        context.update(
            process=process,
            grid=grid,
            figures=grid.figures,
            tile_statuses={c.metric: c.status for c in grid.cells if c.status},
            tile_states={c.metric: c.state for c in grid.cells},
            drill_link=_interactions_url(self.period.exact_query(), process=process.code)
            if self.can("interactions.view")
            else None,
            month=month,
            charts=_process_charts(series, month, process.channel),
            tile_metrics=tiles_for(process.channel),
            day=day,
            intraday=intraday,
            intraday_note=intraday_note,
            names_visible=names,
        )
        context["intraday_chart"] = _intraday_chart(intraday, process.channel)
        if names:
            context.update(self.people(rows))
        return context

    def intraday(self):
        """(day, its hourly profile, a note): the chosen day, or the period's last day up to
        today; early in the local day, when nothing has arrived yet, the day before, said so."""
        process, period, user = self.process, self.period, self.request.user
        chosen = _parse_day(self.request.GET.get("day"))
        day = chosen or min(period.end, period.today)
        intraday = dash.intraday_profile(process, day, user=user)
        if chosen is None and not any(kpis.volume(h["figures"].components) for h in intraday):
            earlier = dash.intraday_profile(process, day - timedelta(days=1), user=user)
            if any(kpis.volume(h["figures"].components) for h in earlier):
                note = f"Nothing has arrived yet on {day:%a %d %b}; showing the day before."
                return day - timedelta(days=1), earlier, note
        return day, intraday, ""

    def people(self, rows) -> dict:
        """The period's figures per team and per agent of the process, busiest agents first."""
        context = {}
        teams = dash.rollup(rows, "team_id")
        agents = dash.rollup(rows.filter(agent__isnull=False), "agent_id")
        # The teams and agents of the figures shown, named even where the caller may not
        # open them as records (a client user allowed to see agent names).
        named = "names of the teams and agents in the figures shown"
        team_objs = {t.pk: t for t in Team.objects.unscoped(named).filter(pk__in=[k for k in teams if k])}
        agent_rows = Agent.objects.unscoped(named).filter(pk__in=list(agents)).select_related("team")
        agent_objs = {a.pk: a for a in agent_rows}
        context["team_rows"] = sorted(
            [(team_objs.get(k), v) for k, v in teams.items()],
            key=lambda tv: (tv[0] is None, tv[0].code if tv[0] else ""),
        )
        context["agent_rows"] = sorted(
            [(agent_objs[k], v) for k, v in agents.items() if k in agent_objs],
            key=lambda av: -av[1].components["handled"],
        )
        context["visible_team_ids"] = set(self.scoped(Team).values_list("pk", flat=True))
        context["visible_agent_ids"] = set(self.scoped(Agent).values_list("pk", flat=True))
        return context

    def base_query(self):
        return self.period.query()


def _process_charts(series, month, channel: str = "voice") -> list:
    """The daily trend charts of a process: only the figures that apply to its channel, plus
    turnaround where it has data (a voice process's completed work items)."""
    targets = {t.metric: float(t.target.target) for t in month.targets}
    backoffice = kpis.volume_name(channel) == "received"
    volume_title = "Volume per day: received, handled" if backoffice else "Volume per day: offered, handled, abandoned"
    charts = [("p-volume", volume_title, dash.volume_chart(series, channel))]
    has_tat = any(figs.components["tat_items"] for _, figs in series)
    for definition in metrics.select("service_level", "tat_compliance", "aht", "fcr", "csat"):
        metric, title = definition.key, definition.label
        if not definition.applies([channel]) and not (metric == "tat_compliance" and has_tat):
            continue
        if metric not in targets and all(figs.values[metric] is None for _, figs in series):
            continue  # no data over the whole trend (e.g. no surveys on back-office work): no empty chart
        spec = dash.rate_chart(series, metric, title, target=targets.get(metric))
        charts.append((f"p-{metric}", f"{title} per day" + (" against target" if metric in targets else ""), spec))
    return charts


def _intraday_chart(intraday, channel: str) -> dict:
    """The intraday profile chart: offered, abandoned and the service level per hour for queue
    work; received and handled for back-office work (no queue figures)."""
    hours = [(h["label"], h["figures"]) for h in intraday]
    labels = [label for label, _ in hours]
    if kpis.volume_name(channel) == "received":
        datasets = [_dataset(hours, "received", "#2e86de"), _dataset(hours, "handled", "#0b3d91")]
        return {"labels": labels, "yTitle": "interactions", "datasets": datasets}
    service_level = {
        "label": metrics.metric("service_level").caption,
        "data": dash.values_of(hours, "service_level"),
        "axis": "y2",
        "color": "#0b3d91",
    }
    datasets = [_dataset(hours, "offered", "#2e86de"), _dataset(hours, "abandoned", "#c0392b"), service_level]
    return {"labels": labels, "yTitle": "interactions", "y2Unit": "%", "y2Max": 100, "datasets": datasets}


def _dataset(hours, name: str, color: str) -> dict:
    """A bar series of the intraday chart, labelled with the count's caption."""
    return {"label": metrics.metric(name).caption, "data": dash.values_of(hours, name), "type": "bar", "color": color}


def _short_id(key: str) -> str:
    """The chart ids of the pages: "sl", "aht", "fcr", "csat", "qa"."""
    return {"service_level": "sl", "qa_score": "qa"}.get(key, key)


def _daily_charts(page: str, series, keys, *, prefix: str = "") -> list:
    """(id, title, spec) of a daily chart per figure: "client-sl", "Service level per day"."""
    return [
        (f"{page}-{_short_id(key)}", f"{prefix}{metrics.metric(key).caption} per day", dash.rate_chart(series, key))
        for key in keys
    ]


def _parse_day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class MyDashboardView(ScopedMixin, TemplateView):
    """'Dashboard' in the navigation: each role's own starting point."""

    capability = "kpis.view"

    def get(self, request, *args, **kwargs):
        role = effective_role(request.user)
        if role in (ADMIN, OPS_MANAGER):
            return redirect("dashboards:overview")
        if role == CLIENT:
            return redirect("dashboards:portal")
        if role == TEAM_LEADER:
            team = self.scoped(Team).order_by("code").first()
            if team:
                return redirect("dashboards:team", code=team.code)
        if role == AGENT:
            agent = self.scoped(Agent).first()
            if agent:
                return redirect("dashboards:agent", code=agent.code)
        process = self.scoped(Process).order_by("code").first()
        if process:
            return redirect("dashboards:process", code=process.code)
        return redirect("home")


class TeamDashboardView(DashboardMixin, TemplateView):
    """A team leader's page: the team's agents today and for the period, outliers marked."""

    capability = "dashboards.team"
    template_name = "dashboards/team_dashboard.html"
    model = Team

    def get(self, request, *args, **kwargs):
        self.team = get_object_or_404(self.scoped(Team).select_related("leader"), code__iexact=kwargs["code"])
        process_code = self.request.GET.get("process", "")
        self.process = None
        if process_code:
            self.process = self.scoped(Process).filter(code__iexact=process_code).first()
            if self.process is None:
                raise Http404
            self.processes = [self.process]
        else:
            self.processes = list(self.scoped(Process).filter(agents__team=self.team).distinct())
        self.get_period(zones=dash.zones_of(self.processes))
        return super().get(request, *args, **kwargs)

    def block_period(self) -> tuple[Period, str]:
        """The period of the second block beside "Today". When the chosen period is today only
        (the 1st of the month under "This month", or "Today" itself), the block would repeat
        the first one: it shows the last complete month (or the last 7 days) instead, and says so."""
        period = self.period
        if not (period.start == period.end == period.today):
            return period, ""
        preset = "last_month" if period.preset == "this_month" else "last_7"
        start, end = resolve(preset, period.today)
        note = (
            "the month to date is today only"
            if period.preset == "this_month"
            else "the period chosen is today only, shown on the left"
        )
        return Period(preset=preset, start=start, end=end, today=period.today, tz=period.tz), note

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, team = self.request.user, self.team
        process, process_code = self.process, self.request.GET.get("process", "")
        filters = {"team": team}
        if process:
            filters["process"] = process
        period, block_note = self.block_period()
        period_rows = dash.kpi_rows_in(user, period, self.processes, **filters)
        today_rows = dash.kpi_rows_in(user, dash.today_of(self.period), self.processes, **filters)
        team_total = dash.rollup(period_rows)[None]
        team_today = dash.rollup(today_rows)[None]
        agent_rows = self.agent_rows(period_rows, today_rows, team_total)
        trend_start, trend_end = self.trend_range()
        series = dash.daily_series(
            dash.kpi_rows(user, start=trend_start, end=trend_end, **filters), trend_start, trend_end
        )
        context.update(
            team=team,
            block_period=period,
            block_note=block_note,
            block_exact=period.exact_query(),
            teams=self.scoped(Team).order_by("code"),
            process=process,
            team_total=team_total,
            team_today=team_today,
            agent_rows=agent_rows,
            outlier_rules=dash.OUTLIER_RULES,
            outlier_labels={key: rule[4] for key, rule in dash.OUTLIER_RULES.items()},
            team_tiles=PEOPLE_TILES,
            filter_fields=["process"],
            process_select=self.process_select(process_code),
            drill_link=_interactions_url(
                period.exact_query(), team=team.code, process=process.code if process else None
            )
            if self.can("interactions.view")
            else None,
            charts=_daily_charts("t", series, ("aht", "fcr", "csat"), prefix="Team "),
        )
        return context

    def agent_rows(self, period_rows, today_rows, team_total) -> list[dict]:
        """One row per agent of the team: the period's and today's figures and the outlier flags
        against the team's total; the most flagged first."""
        by_agent = dash.rollup(period_rows, "agent_id")
        by_agent_today = dash.rollup(today_rows, "agent_id")
        rows = []
        for agent in self.scoped(Agent).filter(team=self.team).order_by("code"):
            figs = by_agent.get(agent.pk, dash.Figures())
            rows.append(
                {
                    "agent": agent,
                    "period": figs,
                    "today": by_agent_today.get(agent.pk, dash.Figures()),
                    "flags": dash.outliers(figs, team_total),
                }
            )
        rows.sort(key=lambda r: (-len(r["flags"]), r["agent"].code))
        return rows

    def process_select(self, current: str) -> dict:
        """The process filter: the processes the team's agents are staffed on."""
        processes = self.scoped(Process).filter(agents__team=self.team).distinct().order_by("code")
        return {
            "name": "process",
            "label": "Process",
            "all": "All the team's processes",
            "options": [(p.code, f"{p.code} — {p.name}") for p in processes],
            "current": current,
        }

    def base_query(self):
        query = self.period.query()
        if self.request.GET.get("process"):
            query["process"] = self.request.GET["process"]
        return query


class AgentDashboardView(DashboardMixin, TemplateView):
    """An agent's KPIs over time, compared with their team and their processes."""

    capability = "dashboards.agent"
    template_name = "dashboards/agent_dashboard.html"
    model = Agent

    def get(self, request, *args, **kwargs):
        self.agent = get_object_or_404(self.scoped(Agent).select_related("team"), code__iexact=kwargs["code"])
        # Only the agent's processes the caller may see: work for another client is not theirs to read.
        self.processes = list(self.scoped(Process).filter(agents=self.agent).order_by("code"))
        self.get_period(zones=dash.zones_of(self.processes))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, agent, period = self.request.user, self.agent, self.period
        # Comparisons read all rows of the agent's team and processes, whoever may see them
        # one by one: they are aggregates of the agent's own context, of the clients the caller
        # may see (a team's work for another client is not theirs to read, even summed).

        processes = self.processes
        clients = Client.objects.visible_to(user).values("pk")
        base = DailyKpi.objects.of(client__in=clients).filter(dash.local_period_q(period, processes))
        mine = base.filter(agent=agent)
        team = base.filter(team=agent.team) if agent.team_id else base.none()
        process_rows = base.filter(process__in=processes)
        start, end = self.trend_range()
        trend = DailyKpi.objects.of(client__in=clients).filter(local_date__range=(start, end))
        agent_series = dash.daily_series(trend.filter(agent=agent), start, end)
        team_series = dash.daily_series(trend.filter(team=agent.team) if agent.team_id else trend.none(), start, end)
        process_series = dash.daily_series(trend.filter(process__in=processes), start, end)
        compared = [(agent.name, agent_series), ("Team", team_series), ("Their processes", process_series)]
        per_process = dash.rollup(mine, "process_id")
        context.update(
            agent=agent,
            mine=dash.rollup(mine)[None],
            compare_rows=[
                (agent.name, dash.rollup(mine)[None]),
                (f"Team {agent.team.name}" if agent.team else "Team (none)", dash.rollup(team)[None]),
                ("All agents on the same processes", dash.rollup(process_rows.filter(agent__isnull=False))[None]),
            ],
            agent_tiles=PEOPLE_TILES,
            drill_link=_interactions_url(self.period.exact_query(), agent=agent.code),
            per_process=[(p, per_process.get(p.pk, dash.Figures())) for p in processes],
            charts=[
                (f"a-{_short_id(key)}", f"{metrics.metric(key).caption} per day", dash.compare_chart(compared, key))
                for key in ("aht", "fcr", "csat", "qa_score")
            ],
            is_self=agent.user_id == user.pk,
        )
        return context


# The totals above the interaction list, in order.
TOTAL_FIELDS = metrics.select(
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "handled",
    "service_level",
    "abandon_rate",
    "aht",
    "asa",
    "fcr",
    "csat",
    "csat_mean",
    "tat_compliance",
)


class InteractionDrillView(DashboardMixin, TemplateView):
    """The interactions behind a figure: filtered, paginated, with totals computed by the KPI
    definitions over exactly these rows, and a CSV export."""

    capability = "interactions.view"
    template_name = "dashboards/interactions.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.scope = self._scope()
        processes = self.scoped(Process)
        if "process" in self.scope:
            processes = processes.filter(pk=self.scope["process"].pk)
        elif "client" in self.scope:
            processes = processes.filter(client=self.scope["client"])
        elif "agent" in self.scope:
            processes = processes.filter(agents=self.scope["agent"])
        elif "team" in self.scope:
            processes = processes.filter(agents__team=self.scope["team"]).distinct()
        self.processes = list(processes.only("pk", "timezone"))
        self.get_period(zones=dash.zones_of(self.processes))
        self.queryset = self._filtered()
        if request.GET.get("format") == "csv":
            return self._csv()
        return super().get(request, *args, **kwargs)

    def _scope(self) -> dict:
        scope = {}
        for name, model in (("client", Client), ("process", Process), ("team", Team), ("agent", Agent)):
            code = self.request.GET.get(name, "").strip()
            if not code:
                continue
            obj = self.scoped(model).filter(code__iexact=code).first()
            if obj is None:
                raise Http404
            scope[name] = obj
        return scope

    def _filtered(self):
        queryset = self.scoped(Interaction).filter(dash.local_period_q(self.period, self.processes))
        for name, obj in self.scope.items():
            queryset = queryset.filter(**{name: obj})
        return queryset

    def base_query(self):
        query = self.period.query()
        for name in ("client", "process", "team", "agent"):
            if self.request.GET.get(name):
                query[name] = self.request.GET[name]
        return query

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        outcome = self.request.GET.get("outcome", "")
        if outcome and outcome not in dash.OUTCOMES:
            outcome = ""
        listed = dash.outcome_filter(self.queryset, outcome) if outcome else self.queryset
        # Ordered by (day, arrival): the (process, local_date) index gives the days in order and
        # only the first page's day needs sorting.
        listed = listed.select_related("process", "agent").order_by("local_date", "arrived_at", "pk")
        totals = dash.interaction_totals(self.queryset)
        paginator = Paginator(listed, self.paginate_by)
        if not outcome:
            paginator.count = totals.rows  # the totals query counted these rows already
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.base_query()
        context.update(
            totals=totals,
            total_fields=TOTAL_FIELDS,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            scope=self.scope,
            outcome=outcome,
            outcomes=dash.OUTCOMES,
            outcome_qs=querystring(query, outcome=outcome or None),
            csv_url=querystring(query, outcome=outcome or None, format="csv"),
        )
        return context

    def _csv(self):
        outcome = self.request.GET.get("outcome", "")
        rows = dash.outcome_filter(self.queryset, outcome) if outcome in dash.OUTCOMES else self.queryset
        rows = rows.select_related("process", "agent").order_by("local_date", "arrived_at", "pk")
        header = [
            "process",
            "external_id",
            "local_date",
            "channel",
            "direction",
            "arrived_at",
            "answered_at",
            "ended_at",
            "abandoned",
            "wait_seconds",
            "talk_seconds",
            "hold_seconds",
            "wrap_seconds",
            "agent",
            "customer_ref",
            "csat",
            "has_repeat",
        ]

        class Echo:
            def write(self, value):
                return value

        writer = SafeCsvWriter(Echo())  # text cells neutralised against formula injection

        def lines():
            yield writer.writerow(header)
            for i in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        i.process.code,
                        i.external_id,
                        i.local_date.isoformat(),
                        i.channel,
                        i.direction,
                        i.arrived_at.isoformat(),
                        i.answered_at.isoformat() if i.answered_at else "",
                        i.ended_at.isoformat() if i.ended_at else "",
                        "true" if i.abandoned else "false",
                        "" if i.wait_seconds is None else round(i.wait_seconds, 3),
                        i.talk_seconds,
                        i.hold_seconds,
                        i.wrap_seconds,
                        i.agent.code if i.agent else "",
                        i.customer_ref,
                        i.csat or "",
                        "true" if i.has_repeat else "false",
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        name = "-".join([s.code for s in self.scope.values()] or ["interactions"])
        response["Content-Disposition"] = f'attachment; filename="{name}-{self.period.start}-{self.period.end}.csv"'
        return response


class PortalView(DashboardMixin, TemplateView):
    """The client portal: their processes' SLA status this month with the projection, trends
    and reports. Staff who oversee the client can open it as the client sees it (?client=)."""

    capability = "dashboards.portal"
    template_name = "dashboards/portal.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if effective_role(user) == CLIENT:
            self.client = user.client
        else:
            clients = self.scoped(Client).order_by("code")
            code = request.GET.get("client")
            self.client = clients.filter(code__iexact=code).first() if code else clients.first()
            if self.client is None:
                raise Http404
        self.get_period(
            self.client.timezone,
            zones=self.scoped(Process)
            .filter(client=self.client, active=True)
            .values_list("timezone", flat=True)
            .distinct(),
        )
        return super().get(request, *args, **kwargs)

    def base_query(self):
        query = self.period.query()
        if effective_role(self.request.user) != CLIENT:
            query["client"] = self.client.code
        return query

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        processes = self.scoped(Process).filter(client=self.client, active=True).select_related("client")
        rows = dash.process_grid(self.request.user, processes, self.period)
        trends = []
        start, end = self.trend_range()
        for row in sorted(rows, key=lambda r: r.process.code):
            series = dash.daily_series(
                dash.kpi_rows(self.request.user, start=start, end=end, process=row.process), start, end
            )
            targets = {t.metric: float(t.target.target) for t in (row.month.targets if row.month else [])}
            headline = metrics.metric(kpis.headline_figure(row.process.channel))
            spec = dash.rate_chart(series, headline.key, headline.label, target=targets.get(headline.key))
            trends.append((f"portal-{row.process.pk}", f"{row.process.name}: {headline.label.lower()} per day", spec))
        # Staff with workforce.view see, per process, the plan to end the running month at its
        # service-level target (never a client user: it is not part of what the client sees).
        if effective_role(self.request.user) != CLIENT and self.can("workforce.view"):
            plans = workforce_plan.summaries(
                [r.process for r in rows], {r.process.pk: r.month for r in rows if r.month}
            )
            for row in rows:
                row.plan = plans.get(row.process.pk)
        context.update(
            client=self.client,
            rows=rows,
            month=dash.month_of_period(self.period),
            trends=trends,
            preview=effective_role(self.request.user) != CLIENT,
            clients=self.scoped(Client).order_by("code") if effective_role(self.request.user) != CLIENT else [],
            charts=trends,
            reports_panel=_reports_panel(),
            reports=_reports_for(self.request.user, self.client),
        )
        return context


def _reports_panel():
    """The reports list partial, once the report module provides one."""

    try:
        get_template("sla/_portal_reports.html")
    except TemplateDoesNotExist:
        return None
    return "sla/_portal_reports.html"


def _reports_for(user, client):
    """The client's monthly reports with a downloadable version."""
    return reports_for_client(user=user, client=client)
