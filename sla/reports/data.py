"""What a monthly client report says, built once and rendered three ways (PDF, XLSX, CSV), so
every format carries the same numbers.

Monthly figures and SLA statuses come from `sla.compliance.process_months` (summed components,
KPIS.md); the daily rows are the same components per local day, which is what the appendix
prints, so each monthly figure can be recomputed from the appendix by summing its columns and
applying the formula named in the section.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone

from bpo_portal import metrics, units
from processes.models import Process, SLFormula
from reporting import kpis, periods
from reporting.models import DailyKpi
from reporting.selectors import kpi_sums
from sla import compliance

# The figures of the report, in reading order (labels, units and words: bpo_portal.metrics).
REPORT_METRICS = metrics.select(*metrics.READING_ORDER)
# Components whose values are not whole numbers.
FLOAT_COMPONENTS = compliance.FLOAT_COMPONENTS


def formula(metric: str, process=None) -> str:
    """The formula of a figure in words, with the process's thresholds."""
    return metrics.metric(metric).words(process)


def round2(value):
    """The precision of every published figure (the API's too: TargetStatus.as_dict)."""
    return None if value is None else round(value, 2)


def fmt(value, unit: str = "") -> str:
    """A figure as printed in the PDF, e-mails and pages (bpo_portal.units): "19:05", "81.4 %",
    "92.3"; "—" when undefined. Without a unit, a plain number with two decimals."""
    if unit == "":
        return units.number(value)
    return units.figure(value, unit)


def fmt_count(value) -> str:
    """A count or a sum of components: whole numbers as "1,234", sums of seconds with two decimals."""
    return units.number(value)


@dataclass
class DayRow:
    day: date
    components: dict
    figures: dict


@dataclass
class ProcessSection:
    process: Process
    month: compliance.ProcessMonth
    days: list[DayRow]

    @property
    def targets(self):
        return self.month.targets

    @property
    def figures(self) -> dict:
        return self.month.figures

    @property
    def components(self) -> dict:
        return self.month.components

    @property
    def channels(self) -> set[str]:
        """The channels the process has work in this month: its own, plus back office when work
        items were completed in it (KPIS.md "Channels")."""
        return {self.process.channel} | ({"backoffice"} if self.components.get("received") else set())

    def applies(self, metric: str) -> bool:
        """Whether the report shows `metric` for this process: it applies to the process's
        channels, or it carries an SLA target (which is then reported whatever its value)."""
        return metrics.applies(metric, self.channels) or self.target_for(metric) is not None

    @property
    def metrics(self) -> list[metrics.Metric]:
        """The figures reported for this process, in reading order."""
        return [m for m in REPORT_METRICS if self.applies(m.key)]

    @property
    def settings(self) -> list[tuple[str, str]]:
        p = self.process
        rows = [("Time zone (local days)", p.timezone)]
        if metrics.applies("service_level", self.channels):
            rows += [
                ("Service-level threshold", f"{p.sl_threshold_seconds} s"),
                ("Service-level formula", SLFormula(p.sl_formula).label),
                ("Short abandon", f"under {p.short_abandon_seconds} s (left out of every figure)"),
            ]
        rows.append(("FCR window", f"{p.fcr_window_days} days (repeat-contact method)"))
        if metrics.applies("tat_compliance", self.channels):
            rows.append(("Turnaround target", f"{p.tat_hours} h"))
        return rows

    @property
    def qa_available(self) -> bool:
        return bool(self.components.get("qa_count"))

    @property
    def chart_metrics(self) -> list[str]:
        """Trend charts: each target's metric, or the process's headline figure (service level
        for queue work, turnaround for back office) when it has none."""
        targeted = [t.metric for t in self.targets]
        return targeted or [kpis.headline_figure(self.process.channel)]

    def target_for(self, metric: str):
        return next((t for t in self.targets if t.metric == metric), None)


@dataclass
class ReportData:
    client: object
    month: date
    start: date
    end: date
    built_at: datetime
    sections: list[ProcessSection]
    credits: compliance.Credits
    kpi_definition_version: str = kpis.KPI_DEFINITION_VERSION
    extra: dict = field(default_factory=dict)

    @property
    def statuses(self) -> list[compliance.TargetStatus]:
        return [t for s in self.sections for t in s.targets]

    @property
    def figures_computed_at(self) -> datetime | None:
        stamps = [s.month.computed_at for s in self.sections if s.month.computed_at]
        return max(stamps) if stamps else None

    @property
    def month_label(self) -> str:
        return f"{calendar.month_name[self.month.month]} {self.month.year}"

    @property
    def is_current(self) -> bool:
        return any(s.month.is_current for s in self.sections)

    def count(self, met) -> int:
        return sum(1 for t in self.statuses if t.met is met)

    @property
    def met_count(self) -> int:
        return self.count(True)

    @property
    def missed_count(self) -> int:
        return self.count(False)

    @property
    def undefined_count(self) -> int:
        return self.count(None)

    @property
    def qa_available(self) -> bool:
        return any(s.qa_available for s in self.sections)

    def summary(self) -> dict:
        """The executive summary as stored with the version (JSON)."""
        return {
            "targets": len(self.statuses),
            "met": self.met_count,
            "missed": self.missed_count,
            "undefined": self.undefined_count,
            "credit_owed_percent": str(self.credits.owed_percent),
            "credit_percent": str(self.credits.capped_percent),
            "credit_cap_applied": self.credits.cap_applied,
            "credit_amount": None if self.credits.amount is None else str(self.credits.amount),
            "processes": [s.process.code for s in self.sections],
        }


def _daily(process_ids, start, end) -> dict:
    """{(process id, local day): summed components} of the report's processes."""
    rows = DailyKpi.objects.filter(process_id__in=process_ids, local_date__range=(start, end))
    return {entry.key: entry.components for entry in kpi_sums(rows, "process_id", "local_date")}


def report_data_build(*, client, month: date, now: datetime | None = None) -> ReportData:
    """Everything a client's report for `month` shows: per process its month (figures, SLA
    statuses), its daily components and figures, and the client's service credits.

    Processes: the client's active processes, and inactive ones that have figures that month.
    """
    now = now or timezone.now()
    start, end = periods.month_bounds(month)
    with_rows = DailyKpi.objects.filter(client=client, local_date__range=(start, end)).values("process_id")
    processes = list(
        Process.objects.filter(client=client)
        .filter(Q(active=True) | Q(pk__in=with_rows))
        .select_related("client")
        .order_by("code")
    )
    months = compliance.process_months(processes, start, now=now)
    daily = _daily([p.pk for p in processes], start, end)
    sections = []
    for pm in months:
        days = []
        day = start
        while day <= end:
            components = daily.get((pm.process.pk, day)) or kpis.empty_components()
            days.append(DayRow(day, components, kpis.figures(components, digits=None)))
            day += timedelta(days=1)
        sections.append(ProcessSection(pm.process, pm, days))
    statuses = [t for pm in months for t in pm.targets]
    credits = compliance.credits_for(client, statuses)
    return ReportData(
        client=client, month=start, start=start, end=end, built_at=now, sections=sections, credits=credits
    )


def figures_computed_at(*, client, month: date) -> datetime | None:
    """The newest `computed_at` of the client's components in the month (cheap freshness check)."""
    start, end = periods.month_bounds(month)
    return DailyKpi.objects.filter(client=client, local_date__range=(start, end)).aggregate(last=Max("computed_at"))[
        "last"
    ]


def money(value: Decimal | None, currency: str | None = None) -> str:
    """An amount with its ISO 4217 currency: "USD 12,500.00"."""
    return units.money(value, currency)
