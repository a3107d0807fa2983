"""Celery tasks of the processes app: running an uploaded import."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from processes.imports import ImportFailed, import_csv
from processes.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


def read_progress(job_id: int) -> int | None:
    """Rows read so far by a running import (None if unknown, e.g. the cache is unreachable)."""
    try:
        return cache.get(progress_key(job_id))
    except Exception as exc:  # Redis down: the page still shows the job's stored state
        log.warning("import progress unavailable: %s: %s", type(exc).__name__, exc)
        return None


def _write_progress(job_id: int, rows: int | None) -> None:
    try:
        if rows is None:
            cache.delete(progress_key(job_id))
        else:
            cache.set(progress_key(job_id), rows, timeout=3600)
    except Exception as exc:  # progress is a courtesy; the import's outcome is in the database
        log.warning("import progress not recorded: %s: %s", type(exc).__name__, exc)


@shared_task(name="processes.run_import_job", acks_late=True)
def run_import_job(job_id: int, requeued: bool = False) -> str:
    """Import an uploaded CSV file, all or nothing, recording the outcome on its ImportJob.

    Safe to run twice: a job that already finished is left alone, and the import itself is an
    idempotent upsert. A copy queued again by `requeue_stale_imports` runs only a job that is
    still queued (the original message may be on its way too).
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return job.status
    if requeued and not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    ):
        return job.status
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])

    def progress(rows: int) -> None:
        _write_progress(job.pk, rows)

    try:
        with job.file.open("rb") as stream:
            report = import_csv(stream, user=job.created_by, progress=progress)
    except ImportFailed as failed:
        report = failed.report
        job.status = ImportStatus.FAILED
        job.errors = report.error_lines()
    except Exception:
        log.exception("import job %s crashed", job.pk)
        job.status = ImportStatus.FAILED
        job.errors = ["The import stopped on an unexpected error and wrote nothing; the error was logged."]
        job.error_count = 1
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "error_count", "finished_at"])
        raise
    else:
        job.status = ImportStatus.SUCCEEDED
        job.created, job.updated, job.changes = report.created, report.updated, report.changes
    job.rows, job.error_count, job.finished_at = report.rows, report.error_count, timezone.now()
    job.save()
    _write_progress(job.pk, None)
    return job.status


@shared_task(name="processes.requeue_stale_imports")
def requeue_stale_imports() -> int:
    """Beat: queue again the uploads still waiting after IMPORT_REQUEUE_SECONDS (their task was
    lost, e.g. the broker was unreachable when the file was uploaded). Returns how many."""
    from bpo_portal.tasks import enqueue_safely

    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_REQUEUE_SECONDS)
    stale = list(
        ImportJob.objects.filter(status=ImportStatus.QUEUED, started_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for job_id in stale:
        log.warning("import job %s still queued after %s s: queueing it again", job_id, settings.IMPORT_REQUEUE_SECONDS)
        enqueue_safely(run_import_job, job_id, requeued=True)
    return len(stale)
