"""Thin Celery tasks for SLA alerts and monthly reports (ids and ISO strings in, one service call).

The task names keep their `reporting.` prefix from before the split of `reporting` (the beat
schedule, queued messages and monitoring know them by these names)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from bpo_portal.tasks import enqueue_on_commit
from clients.models import Client
from sla.alerts import sla_alerts_evaluate
from sla.models import Report, ReportStatus
from sla.reports.services import report_generate, report_request


@shared_task(name="reporting.evaluate_sla_alerts", acks_late=True)
def evaluate_sla_alerts() -> dict:
    """After KPI recomputes and every SLA_ALERT_SECONDS: alert on targets turning at risk/missed."""

    return sla_alerts_evaluate()


def evaluate_sla_alerts_after_recompute(result: dict) -> None:
    """The KPI engine's after-recompute hook (registered in SlaConfig.ready): check the targets
    once the recomputed figures are committed."""
    enqueue_on_commit(evaluate_sla_alerts)


@shared_task(
    name="reporting.generate_report",
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_kwargs={"max_retries": 3},
)
def generate_report(self, client_id: int, month: str, actor_id: int | None = None, trigger: str = "schedule") -> int:
    """Generate one client's report for a month (ISO date of its first day); returns the version
    number. A failure is recorded on the report (previous version still served) and retried."""

    client = Client.objects.get(pk=client_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return report_generate(client=client, month=date.fromisoformat(month), actor=actor, trigger=trigger).number


@shared_task(name="reporting.generate_due_reports", acks_late=True)
def generate_due_reports() -> list[str]:
    """Beat, hourly: on the first days of a month, from REPORTS_HOUR in each client's time zone,
    queue last month's report of every active client that has none yet (or whose last attempt
    failed without a version). Idempotent: a queued, running or ready report is left alone."""

    now = timezone.now()
    queued = []
    for client in Client.objects.filter(active=True).order_by("code"):
        local = now.astimezone(ZoneInfo(client.timezone))
        if local.day > settings.REPORTS_CATCH_UP_DAYS or (local.day == 1 and local.hour < settings.REPORTS_HOUR):
            continue
        month = (local.date().replace(day=1) - timedelta(days=1)).replace(day=1)
        report = Report.objects.filter(client=client, month=month).first()
        if report is not None and (report.current_id or report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)):
            continue
        report_request(client=client, month=month, trigger="schedule")
        queued.append(f"{client.code} {month:%Y-%m}")
    return queued
