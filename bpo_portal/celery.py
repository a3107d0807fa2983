"""The Celery application. Broker and eager mode come from settings (REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings")

app = Celery("bpo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="bpo_portal.health_check")
def health_check() -> dict:
    """Report that a worker is alive and can reach the database (used by monitoring and CI)."""
    # Not at import: this module is loaded with the settings, before the apps it reads.
    from bpo_portal.health import health_status  # noqa: PLC0415

    return health_status()
