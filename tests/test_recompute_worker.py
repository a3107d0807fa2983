"""Recompute shards on real Celery worker processes (real Redis, PostgreSQL; run by .ci/run): two
workers share a run's shards and the table equals the single-run recompute; a worker killed in the
middle of a shard leaves the table as it was and the shard, delivered again, finishes it."""

import os
import signal
import time
from datetime import date

import pytest
from django.db import connection

from recompute import services
from recompute.models import RecomputeShard, RunStatus, ShardStatus
from reporting.models import DailyKpi, IntervalKpi
from tests.kpi_helpers import load, row, table_snapshot

pytestmark = pytest.mark.celery_worker


def _rows():
    rows = []
    for day in range(1, 21):
        for n in range(4):
            arrived = f"2026-10-{day:02d}T1{n}:00:00+05:30"
            rows.append(row(f"{day}-{n}", arrived, process="ALPHA-VOICE", agent="A0001", customer=f"C{n}",
                            answered_at=f"2026-10-{day:02d}T1{n}:00:{10 * n:02d}+05:30", talk=200,
                            ended_at=f"2026-10-{day:02d}T1{n}:04:00+05:30"))  # fmt: skip
    return rows


def _state():
    return table_snapshot(), IntervalKpi.objects.count()


def _wait(condition, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_two_workers_share_the_shards_and_the_table_is_the_single_run(celery_worker_process, alpha):
    load(_rows())
    expected = _state()
    DailyKpi.objects.all().delete()
    IntervalKpi.objects.all().delete()
    send, first = celery_worker_process()
    _, second = celery_worker_process()
    run = services.run_create(shard_days=2)
    assert run.shards.count() == 10
    services.run_dispatch(run, enqueue=lambda ids: [send("recompute.run_shard", pk) for pk in ids])

    def finished():
        run.refresh_from_db()
        return run.status == RunStatus.DONE

    _wait(finished, "the run to finish")
    assert _state() == expected
    assert set(run.shards.values_list("status", "attempts")) == {(ShardStatus.DONE, 1)}
    assert first.poll() is None and second.poll() is None


def test_a_worker_killed_mid_shard_leaves_the_table_and_the_shard_runs_again(celery_worker_process, alpha):
    load(_rows())
    expected = _state()
    run = services.run_create(start=date(2026, 10, 1), end=date(2026, 10, 20), shard_days=20)
    shard = run.shards.get()
    send, worker = celery_worker_process(env={"BPO_FAULT_PAUSE_IN_RECOMPUTE": "30"})
    send("recompute.run_shard", shard.pk)

    def rewriting():  # the worker deleted the day rows (uncommitted) and sits in the pause
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'reporting_dailykpi' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0] > 0

    _wait(rewriting, "the worker to start the shard")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    time.sleep(0.5)  # PostgreSQL notices the dead connection and rolls its transaction back
    assert _state() == expected
    shard.refresh_from_db()
    assert (shard.status, shard.attempts) == (ShardStatus.RUNNING, 1)  # claimed, never finished
    send, _ = celery_worker_process()  # the message delivered again (acks late) or the sweep's
    assert send("recompute.run_shard", shard.pk).get(timeout=90)["rows"] > 0
    shard.refresh_from_db()
    run.refresh_from_db()
    assert (shard.status, shard.attempts, run.status) == (ShardStatus.DONE, 2, RunStatus.DONE)
    assert _state() == expected
    assert RecomputeShard.objects.filter(run=run).count() == 1
