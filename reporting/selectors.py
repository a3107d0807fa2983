"""Scoped reads of the KPI components, rolled up for any range and grouping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Sum

from accounts.scoping import scope_q
from bpo_portal import metrics
from reporting import kpis
from reporting.models import DailyKpi

GROUPS = ("day", "week", "month", "process", "agent", "team", "client", "total")
SCOPES = ("process", "client", "team", "agent")
_KEY_FIELDS = {
    "process": ("process_id", "process__code"),
    "agent": ("agent_id", "agent__code"),
    "team": ("team_id", "team__code"),
    "client": ("client_id", "client__code"),
}
_SCOPE_FILTERS = {
    "process": "process__code__in",
    "client": "client__code__in",
    "team": "team__code__in",
    "agent": "agent__code__in",
}


@dataclass
class KpiRow:
    key: str | None
    components: dict
    computed_at: object

    def as_dict(self, group_by: str) -> dict:
        data = {group_by: self.key} if group_by != "total" else {}
        data.update({name: self.components[name] for name in metrics.COUNTS})
        data.update(kpis.figures(self.components))
        data["computed_at"] = self.computed_at
        data["components"] = {name: self.components[name] for name in kpis.COMPONENTS}
        return data


def kpi_queryset(*, user, scope: str | None = None, codes: list[str] | None = None, start=None, end=None):
    """The component rows `user` may see, filtered by scope codes and an inclusive date range."""
    rows = DailyKpi.objects.filter(scope_q(DailyKpi, user))
    if scope and codes:
        rows = rows.filter(**{_SCOPE_FILTERS[scope]: codes})
    if start:
        rows = rows.filter(local_date__gte=start)
    if end:
        rows = rows.filter(local_date__lte=end)
    return rows


def _bucket(day: date, group_by: str) -> str:
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return f"{day.year:04d}-{day.month:02d}"


def kpi_rollup(*, user, group_by: str = "day", scope=None, codes=None, start=None, end=None) -> list[KpiRow]:
    """Summed components and figures per group, computed from sums (never means of rates).

    Day, week (ISO, keyed by its Monday) and month groups are local calendar dates of the
    processes; `total` is one row over everything selected (absent when nothing is).
    """
    rows = kpi_queryset(user=user, scope=scope, codes=codes, start=start, end=end)
    sums = {name: Sum(name) for name in kpis.COMPONENTS}
    if group_by in ("day", "week", "month"):
        grouped: dict[str, KpiRow] = {}
        for entry in rows.values("local_date").annotate(last=Max("computed_at"), **sums).order_by("local_date"):
            key = _bucket(entry["local_date"], group_by)
            row = grouped.get(key)
            if row is None:
                row = grouped[key] = KpiRow(key, kpis.empty_components(), entry["last"])
            for name in kpis.COMPONENTS:
                row.components[name] += entry[name] or 0
            row.computed_at = max(row.computed_at, entry["last"])
        return list(grouped.values())
    if group_by == "total":
        entry = rows.aggregate(last=Max("computed_at"), **sums)
        if entry["last"] is None:
            return []
        return [KpiRow(None, {n: entry[n] or 0 for n in kpis.COMPONENTS}, entry["last"])]
    id_field, code_field = _KEY_FIELDS[group_by]
    result = []
    for entry in rows.values(id_field, code_field).annotate(last=Max("computed_at"), **sums).order_by(code_field):
        result.append(KpiRow(entry[code_field], {n: entry[n] or 0 for n in kpis.COMPONENTS}, entry["last"]))
    return result
