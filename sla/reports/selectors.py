"""Scoped reads of reports, versions, downloads and SLA alerts, and whether an issued report's
figures still hold (`report_drifts`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from sla.models import Report, ReportDownload, ReportVersion, SlaAlert
from sla.reports import drift


def report_list(*, user, client=None, month: date | None = None):
    """The reports `user` may see, newest month first."""
    reports = Report.objects.visible_to(user).select_related("client", "current", "current__created_by")
    if client is not None:
        reports = reports.filter(client=client)
    if month is not None:
        reports = reports.filter(month=month.replace(day=1))
    return reports.order_by("-month", "client__code")


def report_get(*, user, pk: int) -> Report:
    """One report in `user`'s scope (Report.DoesNotExist otherwise, shown as 404)."""
    return report_list(user=user).get(pk=pk)


def reports_for_client(*, user, client):
    """The client portal's list: the client's reports that have a version to download."""
    return list(report_list(user=user, client=client).filter(current__isnull=False))


def report_versions(*, user, report):
    return ReportVersion.objects.visible_to(user).filter(report=report).select_related("created_by").order_by("-number")


def report_downloads(*, user, report, limit: int = 50):
    return (
        ReportDownload.objects.visible_to(user)
        .filter(version__report=report)
        .select_related("user", "version")
        .order_by("-downloaded_at")[:limit]
    )


def sla_alert_list(*, user, open_only: bool = True, since: date | None = None):
    """SLA alerts (at risk / missed targets) in scope, of this month and last by default."""
    since = since or (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    alerts = SlaAlert.objects.visible_to(user).filter(month__gte=since).select_related("process", "process__client")
    if open_only:
        alerts = alerts.filter(state__in=("at_risk", "missed"))
    return alerts.order_by("-changed_at")


def report_drifts(reports, *, now=None) -> dict:
    """{report pk: Drift} for the given reports that have a current version and whose figures
    differ now from what that version was issued with (absent when they agree). The reports come
    from `report_list` (already scoped); the current figures are computed once per month for all
    of them (drift.current_snapshots), not once per report."""
    issued = [r for r in reports if r.current_id is not None]
    if not issued:
        return {}
    snapshots = drift.current_snapshots(issued, now=now)
    result = {}
    for report in issued:
        found = drift.compare(report.current, snapshots[report.pk])
        if found.changed:
            result[report.pk] = found
    return result


def report_drift(report, *, now=None):
    """The Drift of one report (None when its figures still hold or it has no version yet), with
    how many of its days still await a KPI recompute."""
    found = report_drifts([report], now=now).get(report.pk)
    if found is not None:
        found.pending_days = drift.pending_recompute_days(report)
    return found
