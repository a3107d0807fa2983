"""The dashboard sections of the role home pages (registered in DashboardsConfig.ready; accounts
renders them without knowing any figure): an agent's own figures today, a team leader's outliers."""

from __future__ import annotations

from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q

from accounts.registry import HomeSection, register_home_section
from accounts.scoping import AGENT, TEAM_LEADER, scope_q
from agents.models import Agent, Team
from bpo_portal import metrics
from dashboards import selectors as dash
from dashboards.filters import today_in
from processes.models import Process
from reporting.models import DailyKpi
from sla import compliance

# An agent's own figures, as on their dashboard (captions: bpo_portal.metrics).
AGENT_TODAY = metrics.select("handled", "aht", "fcr", "csat", "qa_score")
OUTLIER_DAYS = 30


def agent_today(request):
    """The agent's figures of today, each process's today being its own local day."""

    agent = Agent.objects.filter(scope_q(Agent, request.user), user=request.user).first()
    if agent is None:
        return None
    processes = list(agent.processes.order_by("code"))
    figures = dash.Figures()
    if processes:
        today = reduce(or_, (Q(process=p, local_date=compliance.local_today(p)) for p in processes))
        rows = DailyKpi.objects.filter(scope_q(DailyKpi, request.user), agent=agent).filter(today)
        figures = dash.rollup(rows)[None]
    return {
        "agent": agent,
        "figures": figures,
        "tiles": AGENT_TODAY,
        "zone": compliance.zone_note(processes) if processes else settings.TIME_ZONE,
        "days": sorted({compliance.local_today(p) for p in processes}),
    }


def team_outliers(request):
    """The team leader's agents whose last-30-days figures stand out from their team's
    (the team dashboard's rules), per team they lead."""

    teams = list(Team.objects.filter(scope_q(Team, request.user)).order_by("code"))
    processes = list(Process.objects.filter(scope_q(Process, request.user)))
    zones = sorted({p.timezone for p in processes})
    tz = zones[0] if len(zones) == 1 else settings.TIME_ZONE
    end = today_in(tz)
    start = end - timedelta(days=OUTLIER_DAYS - 1)
    result = []
    for team in teams:
        rows = dash.kpi_rows(request.user, start=start, end=end, team=team)
        team_total = dash.rollup(rows)[None]
        by_agent = dash.rollup(rows, "agent_id")
        flagged = []
        for agent in Agent.objects.filter(scope_q(Agent, request.user), team=team).order_by("code"):
            figs = by_agent.get(agent.pk)
            if figs is None:
                continue
            flags = dash.outliers(figs, team_total)
            if flags:
                flagged.append(
                    {
                        "agent": agent,
                        "figures": figs,
                        "flags": [(key, dash.OUTLIER_RULES[key][4]) for key in flags],
                    }
                )
        flagged.sort(key=lambda r: (-len(r["flags"]), r["agent"].code))
        result.append({"team": team, "total": team_total, "flagged": flagged})
    return {"teams": result, "start": start, "end": end, "tz": tz, "days": OUTLIER_DAYS}


def register():
    # The keys are those from before the split of `reporting` (they order the sections and
    # name them in the page: data-section).
    register_home_section(
        HomeSection(
            key="reporting.agent_today",
            roles=frozenset({AGENT}),
            template="dashboards/_home_agent_today.html",
            context=agent_today,
            order=5,
        )
    )
    register_home_section(
        HomeSection(
            key="reporting.team_outliers",
            roles=frozenset({TEAM_LEADER}),
            template="dashboards/_home_team_outliers.html",
            context=team_outliers,
            order=20,
            width=6,
        )
    )
