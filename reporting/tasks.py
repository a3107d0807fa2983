"""Thin, idempotent Celery tasks around the KPI engine."""

from datetime import date

from celery import shared_task

from bpo_portal.tasks import enqueue_on_commit
from processes.models import Process
from reporting import engine, hooks


@shared_task(name="reporting.recompute_marked_kpis", acks_late=True)
def recompute_marked_kpis(process_ids=None) -> dict:
    """Recompute the marked (process, day) pairs (all, or of these processes), then run the
    after-recompute hooks (reporting.hooks: the SLA alert check queued on commit)."""
    result = engine.recompute_marked(process_ids)
    if not isinstance(result, dict) or result.get("processes", 1):
        hooks.recomputed(result)
    return result


def queue_recompute(process_ids: list[int]) -> None:
    """The ledger's hook (processes.ledger.on_days_marked, registered in ReportingConfig.ready):
    queue the recompute of the marked days of these processes; the ledger calls it once the
    marking transaction commits, so it is queued at once (a broker that is down is logged, the
    sweep below catches up)."""
    enqueue_on_commit(recompute_marked_kpis, process_ids=sorted(process_ids))


@shared_task(name="reporting.sweep_kpi_marks", acks_late=True)
def sweep_kpi_marks() -> dict:
    """Beat: recompute whatever is still marked, so nothing marked is forgotten."""
    return engine.recompute_marked(None)


@shared_task(name="reporting.recompute_kpis_range", acks_late=True)
def recompute_kpis_range(process_id: int, start: str | None = None, end: str | None = None) -> int:
    """Full recompute of one process over a range of ISO dates (default: all its days)."""
    process = Process.objects.get(pk=process_id)
    return engine.recompute_range(
        process,
        date.fromisoformat(start) if start else None,
        date.fromisoformat(end) if end else None,
        refresh_flags=True,
    )
