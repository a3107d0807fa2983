"""Celery with a real worker process on the real Redis broker and PostgreSQL (run by .ci/run)."""

import os
import signal
import time

import pytest
from django.db import connection

from processes.models import KpiMark
from reporting.models import DailyKpi
from tests.kpi_helpers import load, row, table_snapshot

pytestmark = pytest.mark.celery_worker


def test_health_task_runs_on_a_real_worker(celery_worker_process, alpha, bravo):
    send, process = celery_worker_process()
    result = send("bpo_portal.health_check")
    assert result.get(timeout=60) == {"status": "ok", "database": "postgresql", "clients": 2}
    assert process.poll() is None


def _rows():
    rows = []
    for day in range(1, 11):
        for n in range(5):
            arrived = f"2026-10-{day:02d}T1{n}:00:00+05:30"
            if n == 4:
                rows.append(
                    row(
                        f"{day}-{n}",
                        arrived,
                        process="ALPHA-VOICE",
                        abandoned=True,
                        ended_at=f"2026-10-{day:02d}T1{n}:00:40+05:30",
                        customer="C9",
                    )
                )
            else:
                rows.append(
                    row(
                        f"{day}-{n}",
                        arrived,
                        process="ALPHA-VOICE",
                        agent="A0001",
                        answered_at=f"2026-10-{day:02d}T1{n}:00:{10 * n:02d}+05:30",
                        ended_at=f"2026-10-{day:02d}T1{n}:05:00+05:30",
                        talk=250,
                        customer=f"C{n}",
                        csat=n + 2,
                    )
                )
    return rows


def test_import_marks_are_recomputed_by_a_real_worker(celery_worker_process, alpha):
    load(_rows())  # computes in-process: the expected table
    expected = table_snapshot()
    DailyKpi.objects.all().delete()
    load(_rows(), recompute=False)  # marks only, as an import does before its on-commit task
    marks = KpiMark.objects.count()
    assert marks == 10  # the ten days of the file
    send, _ = celery_worker_process()
    done = send("reporting.recompute_marked_kpis", process_ids=[alpha.process.pk]).get(timeout=60)
    assert done["days"] == marks
    assert not KpiMark.objects.exists()
    assert table_snapshot() == expected


def test_worker_killed_mid_recompute_then_retry_gives_the_right_table(celery_worker_process, alpha):
    load(_rows())
    expected = table_snapshot()
    load(_rows(), recompute=False)  # everything marked again
    marks = KpiMark.objects.count()
    send, worker = celery_worker_process(env={"BPO_FAULT_PAUSE_IN_RECOMPUTE": "30"})
    send("reporting.recompute_marked_kpis", process_ids=[alpha.process.pk])
    # Wait until the worker has deleted the rows (uncommitted) and sits in the pause.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'reporting_dailykpi' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.2)
    else:
        pytest.fail("the worker never started the recompute")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    time.sleep(0.5)  # PostgreSQL notices the dead connection and rolls its transaction back
    assert table_snapshot() == expected  # the half-done rewrite left no trace
    assert KpiMark.objects.count() == marks  # and the marks are still there
    send, _ = celery_worker_process()  # a fresh worker; beat's sweep is the retry
    send("reporting.sweep_kpi_marks").get(timeout=60)
    assert not KpiMark.objects.exists()
    assert table_snapshot() == expected
