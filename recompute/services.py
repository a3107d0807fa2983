"""Plan, queue and run the shards of a recompute (recompute/models.py).

- `run_create` plans the shards of a run: per process, the days in the run's range between its
  first and last day with interactions or stored components (so stale components of days whose
  interactions were deleted are rewritten too), cut into `shard_days`-day ranges.
- `run_dispatch` queues every shard that may start (a process's day shards wait for its flags
  shard), once the transaction commits; in the demo (Celery eager) they run at once, in turn.
- `shard_execute` runs one shard: the engine's rewrite of its process's days (under the process's
  advisory lock on PostgreSQL) and the shard's "done" in one transaction. Running a shard again
  (a redelivered task, the stale sweep, a retry) rewrites the same rows: idempotent.
- `requeue_stale` (beat) queues again the shards that were queued or started too long ago
  without finishing (a lost message, a killed worker); `shards_retry` the failed ones.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from bpo_portal.tasks import enqueue_safely
from processes.ledger import refresh_repeat_flags
from processes.models import Interaction, Process
from recompute.models import RecomputeRun, RecomputeShard, RunStatus, ShardStatus, ShardStep
from reporting import engine
from reporting.kpis import KPI_DEFINITION_VERSION
from reporting.models import DailyKpi

log = logging.getLogger(__name__)

MAX_SHARD_DAYS = 366
MAX_SHARDS = 20_000


def _bounds(process_ids: list[int] | None) -> dict[int, tuple[date, date]]:
    """Per process, its first and last local day with interactions or stored components."""
    found: dict[int, tuple[date, date]] = {}
    for model in (Interaction, DailyKpi):
        rows = model.objects.unscoped("a recompute plans every tenant's days (administrators only)")
        if process_ids is not None:
            rows = rows.filter(process_id__in=process_ids)
        for pid, first, last in (
            rows.values("process_id").annotate(first=Min("local_date"), last=Max("local_date"))
        ).values_list("process_id", "first", "last"):
            low, high = found.get(pid, (first, last))
            found[pid] = (min(low, first), max(high, last))
    return found


def _ranges(start: date, end: date, days: int) -> Iterable[tuple[date, date]]:
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=days - 1))
        yield day, last
        day = last + timedelta(days=1)


def _validate(start, end, shard_days) -> None:
    errors = {}
    if start is not None and end is not None and end < start:
        errors["end"] = "The last day is before the first."
    if not isinstance(shard_days, int) or not 1 <= shard_days <= MAX_SHARD_DAYS:
        errors["shard_days"] = f"Days per shard must be a whole number from 1 to {MAX_SHARD_DAYS}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def run_create(
    *,
    user=None,
    processes: list[Process] | None = None,
    start: date | None = None,
    end: date | None = None,
    shard_days: int = 31,
    refresh_flags: bool = False,
    note: str = "",
) -> RecomputeRun:
    """Plan a recompute of `processes` (None: every process) over local days [start, end] (None:
    every day with data), in shards of `shard_days` days; `refresh_flags` adds a first flags shard
    per process (a backfill after the repeat-contact rule changed). Nothing runs until
    `run_dispatch`. A run with nothing to recompute is created done, with no shards."""
    _validate(start, end, shard_days)
    bounds = _bounds(None if processes is None else [p.pk for p in processes])
    plans: list[tuple[int, date, date]] = []
    for pid in sorted(bounds):
        low, high = max(start or bounds[pid][0], bounds[pid][0]), min(end or bounds[pid][1], bounds[pid][1])
        if low <= high:
            plans.append((pid, low, high))
    shards = [
        RecomputeShard(process_id=pid, step=ShardStep.DAYS, start=a, end=b)
        for pid, low, high in plans
        for a, b in _ranges(low, high, shard_days)
    ]
    if refresh_flags:
        shards += [
            RecomputeShard(process_id=pid, step=ShardStep.FLAGS, start=low, end=high) for pid, low, high in plans
        ]
    if len(shards) > MAX_SHARDS:
        raise ValidationError({"shard_days": f"{len(shards)} shards is more than {MAX_SHARDS}: use longer shards."})
    firsts = [low for _, low, _ in plans]
    lasts = [high for _, _, high in plans]
    run = RecomputeRun.objects.create(
        start=start or min(firsts, default=timezone.localdate()),
        end=end or max(lasts, default=timezone.localdate()),
        all_processes=processes is None,
        shard_days=shard_days,
        refresh_flags=refresh_flags,
        definition_version=KPI_DEFINITION_VERSION,
        note=(note or "").strip()[:300],
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        status=RunStatus.QUEUED if shards else RunStatus.DONE,
        finished_at=None if shards else timezone.now(),
    )
    for shard in shards:
        shard.run = run
    RecomputeShard.objects.bulk_create(shards, batch_size=1000)
    return run


def _ready(run: RecomputeRun):
    """The pending shards that may start: flags shards, and day shards of processes whose flags
    shard (if any) is done."""
    waiting = RecomputeShard.objects.filter(run=run, step=ShardStep.FLAGS).exclude(status=ShardStatus.DONE)
    return RecomputeShard.objects.filter(run=run, status=ShardStatus.PENDING, queued_at__isnull=True).filter(
        Q(step=ShardStep.FLAGS) | ~Q(process_id__in=waiting.values("process_id"))
    )


def _enqueue(shard_ids: list[int]) -> None:
    from recompute.tasks import run_shard  # noqa: PLC0415 - recompute.tasks imports this module

    for shard_id in shard_ids:
        enqueue_safely(run_shard, shard_id)


def run_dispatch(run: RecomputeRun, *, enqueue: Callable[[list[int]], None] | None = None) -> int:
    """Queue the run's shards that may start, once the current transaction commits. Returns how
    many. `enqueue(shard_ids)` replaces the Celery queueing (the bench drives its own workers)."""
    with transaction.atomic():
        ids = list(_ready(run).select_for_update().values_list("pk", flat=True))
        RecomputeShard.objects.filter(pk__in=ids).update(queued_at=timezone.now())
        transaction.on_commit(lambda: (enqueue or _enqueue)(ids))
    return len(ids)


def _claim(shard_id: int) -> RecomputeShard | None:
    """Mark the shard running (another attempt); None when it is done or gone."""
    with transaction.atomic():
        shard = RecomputeShard.objects.select_for_update().select_related("run", "process").filter(pk=shard_id).first()
        if shard is None or shard.status == ShardStatus.DONE:
            return None
        now = timezone.now()
        shard.status, shard.attempts, shard.started_at, shard.error = ShardStatus.RUNNING, shard.attempts + 1, now, ""
        shard.queued_at = shard.queued_at or now
        shard.save(update_fields=["status", "attempts", "started_at", "error", "queued_at"])
        RecomputeRun.objects.filter(pk=shard.run_id, started_at__isnull=True).update(
            started_at=now, status=RunStatus.RUNNING
        )
    return shard


def _work(shard: RecomputeShard) -> int:
    if shard.step == ShardStep.FLAGS:
        return refresh_repeat_flags(shard.process, since=shard.start)
    return engine.recompute_range(shard.process, shard.start, shard.end, chunk_days=shard.days)


def shard_execute(shard_id: int) -> dict:
    """Run one shard: its rewrite and its "done" in one transaction. A failure is logged and
    recorded on the shard (its error, status failed; `shards_retry` runs it again) and the table
    keeps what it had before the shard. A worker killed midway leaves the shard running: the task
    is delivered again (acks late) or the stale sweep queues it."""
    shard = _claim(shard_id)
    if shard is None:
        return {"shard": shard_id, "skipped": True}
    began = time.perf_counter()
    try:
        with transaction.atomic():
            rows = _work(shard)
            RecomputeShard.objects.filter(pk=shard.pk).update(
                status=ShardStatus.DONE,
                rows=rows,
                seconds=time.perf_counter() - began,
                finished_at=timezone.now(),
            )
    except Exception as exc:
        log.exception("recompute: shard %s (process %s, %s…%s) failed", shard.pk, shard.process.code,
                      shard.start, shard.end)  # fmt: skip
        RecomputeShard.objects.filter(pk=shard.pk).update(
            status=ShardStatus.FAILED, error=_error_text(exc), finished_at=timezone.now()
        )
        _settle(shard.run)
        return {"shard": shard_id, "failed": _error_text(exc)}
    if shard.step == ShardStep.FLAGS:
        run_dispatch(shard.run)  # this process's day shards may start now
    _settle(shard.run)
    return {"shard": shard_id, "rows": rows}


def _error_text(exc: Exception) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()[:2000]


def _settle(run: RecomputeRun) -> None:
    """Close the run when no shard is pending or running: done, or failed if any shard failed."""
    counts = dict(
        RecomputeShard.objects.filter(run=run).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    if counts.get(ShardStatus.PENDING) or counts.get(ShardStatus.RUNNING):
        return
    status = RunStatus.FAILED if counts.get(ShardStatus.FAILED) else RunStatus.DONE
    RecomputeRun.objects.filter(pk=run.pk).exclude(status=status, finished_at__isnull=False).update(
        status=status, finished_at=timezone.now()
    )


def shards_retry(run: RecomputeRun) -> int:
    """Put the run's failed shards back to pending and queue them (the run is running again)."""
    with transaction.atomic():
        changed = RecomputeShard.objects.filter(run=run, status=ShardStatus.FAILED).update(
            status=ShardStatus.PENDING, queued_at=None
        )
        if changed:
            RecomputeRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, finished_at=None)
    return run_dispatch(run) if changed else 0


def requeue_stale(*, now=None) -> int:
    """Queue again the shards queued or started more than RECOMPUTE_SHARD_STALE_SECONDS ago and
    not finished (a lost message, a worker killed mid-shard). Returns how many."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.RECOMPUTE_SHARD_STALE_SECONDS)
    stale = RecomputeShard.objects.filter(
        Q(status=ShardStatus.PENDING, queued_at__lt=limit) | Q(status=ShardStatus.RUNNING, started_at__lt=limit)
    )
    with transaction.atomic():
        ids = list(stale.select_for_update().values_list("pk", flat=True))
        RecomputeShard.objects.filter(pk__in=ids).update(queued_at=now)
        if ids:
            log.warning("recompute: queueing %s stale shard(s) again", len(ids))
            transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)
