"""Thin, idempotent Celery tasks around the forecast (workforce.services.forecast_run rewrites a
process's rows in one transaction, so running twice is harmless)."""

import logging

from celery import shared_task

from processes.models import Process
from workforce import services

log = logging.getLogger(__name__)


def _summary(result: services.RunResult) -> dict:
    run = result.run
    return {"process": run.process.code, "method": run.method, "pinned": run.pinned, "wape": run.wape,
            "seconds": run.seconds, "rows": result.rows}  # fmt: skip


@shared_task(name="workforce.forecast_process", acks_late=True)
def forecast_process(process_id: int) -> dict:
    """On demand (the forecast page's "Recompute forecast"): one process's forecast run."""
    process = Process.objects.select_related("calendar").get(pk=process_id)
    return _summary(services.forecast_run(process=process))


@shared_task(name="workforce.forecast_all", acks_late=True)
def forecast_all() -> dict:
    """Beat, nightly: the forecast run of every active process, one after another (a failing
    process is logged and the others still run)."""
    done, failed = [], []
    for process in Process.objects.filter(active=True).select_related("calendar").order_by("code"):
        try:
            done.append(_summary(services.forecast_run(process=process)))
        except Exception:
            log.exception("forecast of %s failed", process.code)
            failed.append(process.code)
    return {"processes": len(done), "failed": failed, "seconds": round(sum(d["seconds"] for d in done), 3)}
