"""An uploaded import's job (ImportJob): its states, its progress and its requeue, as services the
Celery tasks of processes/tasks.py call (one each).

    queued --(run_job)--> running --> succeeded
                                  \\-> failed (the file's errors, or an unexpected error: logged)

`run_job` is safe to run twice: a job that already finished is left alone, and the import itself
is an idempotent upsert. A copy queued again by `requeue_stale` runs only a job that is still
queued (the original message may be on its way too). The rows read so far are kept in the cache
while a job runs, for its page (`read_progress`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from processes.imports.report import ImportFailed
from processes.imports.service import import_csv
from processes.models import ImportJob, ImportStatus

log = logging.getLogger("processes.tasks")  # the logger the job's lines have always named

CRASH_MESSAGE = "The import stopped on an unexpected error and wrote nothing; the error was logged."


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


def _start(job: ImportJob, *, requeued: bool) -> bool:
    """Move a job to running; False when it is not to run (finished, or a requeued copy of a job
    another message has started)."""
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return False
    if requeued and not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    ):
        return False
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    return True


def run_job(job_id: int, *, requeued: bool = False) -> str:
    """Import the job's CSV file, all or nothing, recording the outcome on the job; returns its
    status. An unexpected error fails the job (with CRASH_MESSAGE) and is raised again."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not _start(job, requeued=requeued):
        return job.status

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
        job.errors = [CRASH_MESSAGE]
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


def requeue_stale(enqueue: Callable[[int], object]) -> int:
    """Queue again (`enqueue(job_id)`, oldest first) the uploads still waiting after
    IMPORT_REQUEUE_SECONDS: their task was lost, e.g. the broker was unreachable when the file
    was uploaded. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_REQUEUE_SECONDS)
    stale = list(
        ImportJob.objects.filter(status=ImportStatus.QUEUED, started_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for job_id in stale:
        log.warning("import job %s still queued after %s s: queueing it again", job_id, settings.IMPORT_REQUEUE_SECONDS)
        enqueue(job_id)
    return len(stale)
