"""Celery tasks of the processes app: running an uploaded import, and queueing again the uploads
whose message was lost. Each calls one service of processes/imports/jobs.py."""

from celery import shared_task

from bpo_portal.tasks import enqueue_safely
from processes.imports import jobs


@shared_task(name="processes.run_import_job", acks_late=True)
def run_import_job(job_id: int, requeued: bool = False) -> str:
    """Import an uploaded CSV file, all or nothing, recording the outcome on its ImportJob
    (`jobs.run_job`: safe to run twice)."""
    return jobs.run_job(job_id, requeued=requeued)


@shared_task(name="processes.requeue_stale_imports")
def requeue_stale_imports() -> int:
    """Beat: queue again the uploads still waiting after IMPORT_REQUEUE_SECONDS (`jobs.requeue_stale`).
    Returns how many."""
    return jobs.requeue_stale(lambda job_id: enqueue_safely(run_import_job, job_id, requeued=True))
