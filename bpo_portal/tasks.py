from celery import shared_task

from bpo_portal.health import health_status


@shared_task(name="bpo_portal.health_check")
def health_check() -> dict:
    """Report that a worker is alive and can reach the database (used by monitoring and CI)."""
    return health_status()
