"""Celery with a real worker process on the real Redis broker (run by .ci/run)."""

import pytest

pytestmark = pytest.mark.celery_worker


def test_health_task_runs_on_a_real_worker(celery_worker_process, alpha, bravo):
    send, process = celery_worker_process
    result = send("bpo_portal.health_check")
    assert result.get(timeout=60) == {"status": "ok", "database": "postgresql", "clients": 2}
    assert process.poll() is None
