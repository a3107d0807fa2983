"""Whether an issued report still says what the figures say now.

Each version stores a snapshot of what it was issued with (`ReportVersion.snapshot`): per
process its published figures (at the published precision, two decimals), volumes, the
settings the figures depend on, and each SLA target with its status; and the summary (targets
met / missed, credit). The current figures are computed the same way as a report's
(`report_data_build`: the client's active processes and inactive ones with figures that month,
`compliance.process_months`), but for many reports at once: one `process_months` call per month for
every client listed, a handful of queries whatever the number of reports. The differences are
listed per process and figure: issued value, value now, and the target status before and after.

Versions issued before snapshots were kept are compared by their stored summary only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from bpo_portal import units
from processes.models import KpiMark, Process
from reporting import kpis, periods
from reporting.models import DailyKpi
from sla import compliance

SCHEMA = 1
# The volumes a report prints beside its figures.
VOLUMES = ("offered", "received", "handled")
# Process settings the figures or their reading depend on: (field, label).
SETTINGS = (
    ("timezone", "Time zone (local days)"),
    ("sl_threshold_seconds", "Service-level threshold (s)"),
    ("sl_formula", "Service-level formula"),
    ("short_abandon_seconds", "Short abandon (s)"),
    ("fcr_window_days", "FCR window (days)"),
    ("tat_hours", "Turnaround target (h)"),
)
SETTING_LABELS = dict(SETTINGS)
STATUS_WORDS = {"met": "Met", "missed": "Missed", "at_risk": "At risk", "undefined": "No data"}


def _round(value):
    return None if value is None else round(float(value), 2)


def _count(value):
    value = float(value or 0)
    return int(value) if value.is_integer() else round(value, 2)


def _setting(value):
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def snapshot_of(*, client, month, process_months, credits, kpi_definition_version: str) -> dict:
    """What a report says, as stored with its version (JSON)."""
    processes = {}
    statuses = []
    for pm in process_months:
        p = pm.process
        targets = {}
        for t in pm.targets:
            statuses.append(t)
            targets[t.metric] = {
                "comparator": t.target.comparator,
                "target": _round(t.target.target),
                "credit_percent": _round(t.target.credit_percent),
                "actual": _round(t.actual),
                "met": t.met,
                "status": t.status,
            }
        processes[p.code] = {
            "name": p.name,
            "volumes": {name: _count(pm.components.get(name, 0)) for name in VOLUMES},
            "figures": {name: _round(pm.figures.get(name)) for name in kpis.FIGURES},
            "settings": {name: _setting(getattr(p, name, None)) for name, _label in SETTINGS},
            "targets": targets,
        }
    return {
        "schema": SCHEMA,
        "month": f"{month:%Y-%m}",
        "kpi_definition_version": kpi_definition_version,
        "summary": {
            "targets": len(statuses),
            "met": sum(1 for t in statuses if t.met is True),
            "missed": sum(1 for t in statuses if t.met is False),
            "undefined": sum(1 for t in statuses if t.met is None),
            "credit_percent": str(credits.capped_percent),
        },
        "processes": processes,
        "month_running": any(pm.is_current for pm in process_months),
    }


def snapshot_of_data(data) -> dict:
    """The snapshot of a built report (`sla.reports.data.ReportData`)."""
    return snapshot_of(
        client=data.client,
        month=data.month,
        process_months=[s.month for s in data.sections],
        credits=data.credits,
        kpi_definition_version=data.kpi_definition_version,
    )


def current_snapshots(reports, *, now: datetime | None = None) -> dict[int, dict]:
    """{report pk: the snapshot its figures would have now}, for many reports: per month one
    selection of processes and one `compliance.process_months` for all the month's clients."""
    now = now or timezone.now()
    by_month = defaultdict(list)
    for report in reports:
        by_month[report.month].append(report)
    result = {}
    for month, group in by_month.items():
        start, end = periods.month_bounds(month)
        client_ids = {r.client_id for r in group}
        with_rows = DailyKpi.objects.filter(client_id__in=client_ids, local_date__range=(start, end)).values(
            "process_id"
        )
        processes = list(
            Process.objects.of(client__in={r.client for r in group})
            .filter(Q(active=True) | Q(pk__in=with_rows))
            .select_related("client")
            .order_by("code")
        )
        per_client = defaultdict(list)
        for pm in compliance.process_months(processes, start, now=now):
            per_client[pm.process.client_id].append(pm)
        for report in group:
            months = per_client.get(report.client_id, [])
            credits = compliance.credits_for(report.client, [t for pm in months for t in pm.targets])
            result[report.pk] = snapshot_of(
                client=report.client,
                month=start,
                process_months=months,
                credits=credits,
                kpi_definition_version=kpis.KPI_DEFINITION_VERSION,
            )
    return result


@dataclass
class Difference:
    """One figure, volume, setting or target of one process that reads differently now."""

    process: str
    kind: str  # "figure", "volume", "setting", "target" or "process"
    name: str  # metric, volume or setting name ("" for a process that came or went)
    issued: object
    now: object
    status_issued: str = ""
    status_now: str = ""
    goal_issued: tuple | None = None  # a target's (comparator, target, credit %) as issued / now
    goal_now: tuple | None = None

    @property
    def label(self) -> str:
        return SETTING_LABELS.get(self.name, self.name) if self.kind == "setting" else self.name

    @property
    def status_changed(self) -> bool:
        return self.status_issued != self.status_now

    @property
    def status_issued_label(self) -> str:
        return STATUS_WORDS.get(self.status_issued, "")

    @property
    def status_now_label(self) -> str:
        return STATUS_WORDS.get(self.status_now, "")

    @property
    def goal_changed(self) -> bool:
        return self.goal_issued is not None and self.goal_now is not None and self.goal_issued[:2] != self.goal_now[:2]

    @property
    def credit_changed(self) -> bool:
        return self.goal_issued is not None and self.goal_now is not None and self.goal_issued[2] != self.goal_now[2]


@dataclass
class Drift:
    """How a report's current version differs from the figures now."""

    version_number: int
    issued_at: datetime
    differences: list[Difference] = field(default_factory=list)
    summary_issued: dict = field(default_factory=dict)
    summary_now: dict = field(default_factory=dict)
    definitions_issued: str = ""
    definitions_now: str = ""
    month_running: bool = False
    summary_only: bool = False  # issued before snapshots were kept: compared by its summary
    pending_days: int | None = None  # days of the month awaiting a KPI recompute (detail page only)

    @property
    def summary_changed(self) -> bool:
        keys = ("met", "missed", "undefined", "credit_percent")
        return any(str(self.summary_issued.get(k)) != str(self.summary_now.get(k)) for k in keys)

    @property
    def definitions_changed(self) -> bool:
        return bool(self.definitions_issued) and self.definitions_issued != self.definitions_now

    @property
    def changed(self) -> bool:
        return bool(self.differences) or self.summary_changed

    @property
    def status_changes(self) -> list[Difference]:
        return [d for d in self.differences if d.kind == "target" and d.status_changed]

    @property
    def count(self) -> int:
        return len(self.differences) + (1 if self.summary_only and self.summary_changed else 0)

    def headline(self) -> str:
        """One line for a badge's title: what changed, in words."""
        parts = []
        if self.summary_changed:
            s, n = self.summary_issued, self.summary_now
            parts.append(
                f"targets met / missed {s.get('met', '—')} / {s.get('missed', '—')} → "
                f"{n.get('met', '—')} / {n.get('missed', '—')}"
            )
            if str(s.get("credit_percent")) != str(n.get("credit_percent")):
                parts.append(
                    f"credit owed {units.percent(s.get('credit_percent'), exact=True)} → "
                    f"{units.percent(n.get('credit_percent'), exact=True)}"
                )
        figures = sum(1 for d in self.differences if d.kind in ("figure", "volume"))
        if figures:
            parts.append(f"{figures} figure{'s' if figures != 1 else ''} changed")
        settings = sum(1 for d in self.differences if d.kind == "setting")
        if settings:
            parts.append(f"{settings} setting{'s' if settings != 1 else ''} changed")
        return "; ".join(parts) or "figures changed"


def _summary_from_version(version) -> dict:
    summary = version.summary or {}
    return {k: summary.get(k) for k in ("targets", "met", "missed", "undefined", "credit_percent")}


def compare(version, now_snapshot: dict) -> Drift:
    """The differences between what `version` was issued with and `now_snapshot`."""
    issued = version.snapshot or {}
    drift = Drift(
        version_number=version.number,
        issued_at=version.created_at,
        summary_issued=issued.get("summary") or _summary_from_version(version),
        summary_now=now_snapshot["summary"],
        definitions_issued=issued.get("kpi_definition_version") or version.kpi_definition_version,
        definitions_now=now_snapshot["kpi_definition_version"],
        month_running=bool(now_snapshot.get("month_running")),
        summary_only=not issued.get("processes") and issued.get("schema") is None,
    )
    if drift.summary_only:
        return drift
    before, after = issued.get("processes", {}), now_snapshot["processes"]
    out = drift.differences
    for code in sorted(set(before) | set(after)):
        old, new = before.get(code), after.get(code)
        if old is None or new is None:
            out.append(
                Difference(code, "process", "", "in the report" if old else "—", "in the report" if new else "—")
            )
            if old is None:
                continue
            new = {"volumes": {}, "figures": {}, "settings": {}, "targets": {}}
        targets_old, targets_new = old.get("targets", {}), new.get("targets", {})
        for metric in kpis.FIGURES:
            a, b = old["figures"].get(metric), new["figures"].get(metric)
            t_old, t_new = targets_old.get(metric), targets_new.get(metric)
            status_old = t_old["status"] if t_old else ""
            status_new = t_new["status"] if t_new else ""
            if a != b:
                out.append(Difference(code, "figure", metric, a, b, status_old, status_new))
            goal_old = (t_old["comparator"], t_old["target"], t_old["credit_percent"]) if t_old else None
            goal_new = (t_new["comparator"], t_new["target"], t_new["credit_percent"]) if t_new else None
            if goal_old != goal_new:
                # The target itself changed: added, removed, a new goal or a new credit.
                out.append(
                    Difference(
                        code, "target", metric, a, b, status_old, status_new, goal_issued=goal_old, goal_now=goal_new
                    )
                )
            elif a == b and status_old != status_new:
                # Same figure, another status (a running month's projection moved).
                out.append(Difference(code, "target", metric, a, b, status_old, status_new))
        for name in VOLUMES:
            a, b = old["volumes"].get(name), new["volumes"].get(name)
            if a != b:
                out.append(Difference(code, "volume", name, a, b))
        for name, _label in SETTINGS:
            a, b = old["settings"].get(name), new["settings"].get(name)
            if a != b:
                out.append(Difference(code, "setting", name, a, b))
    return drift


def pending_recompute_days(report) -> int:
    """How many (process, local day) pairs of the report's client and month are marked for a
    KPI recompute that has not run yet: the figures "now" may still move."""
    start, end = periods.month_bounds(report.month)
    return KpiMark.objects.filter(process__client_id=report.client_id, local_date__range=(start, end)).count()
