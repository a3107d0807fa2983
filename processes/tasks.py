"""Celery tasks of the processes app: running an uploaded import."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from processes.imports import ImportFailed, import_csv
from processes.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


@shared_task(name="processes.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str:
    """Import an uploaded CSV file, all or nothing, recording the outcome on its ImportJob.

    Safe to run twice: a job that already finished is left alone, and the import itself is an
    idempotent upsert.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return job.status
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])

    def progress(rows: int) -> None:
        cache.set(progress_key(job.pk), rows, timeout=3600)

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
    cache.delete(progress_key(job.pk))
    return job.status
