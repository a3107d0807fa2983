"""Reads of recompute runs: the list, and a run's progress with its estimated time to finish."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Case, Value, When
from django.utils import timezone

from recompute.models import RecomputeRun, RecomputeShard, RunStatus, ShardStatus


def duration_text(seconds: float | None) -> str:
    """Seconds as "42 s", "3 min 05 s" or "2 h 10 min"; "—" for none."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass(frozen=True)
class Progress:
    """Shards by status, days recomputed, component rows written, and the estimate.

    ETA = elapsed × (days left ÷ days done): the days of the shards still to finish at the pace of
    the run so far (every worker together); None before the first shard is done or once the run
    is over."""

    total: int
    done: int
    failed: int
    running: int
    pending: int
    days_total: int
    days_done: int
    rows: int
    elapsed_seconds: float | None
    eta_seconds: float | None

    @property
    def percent(self) -> float:
        return 100.0 * self.days_done / self.days_total if self.days_total else 100.0

    @property
    def elapsed_text(self) -> str:
        return duration_text(self.elapsed_seconds)

    @property
    def eta_text(self) -> str:
        return duration_text(self.eta_seconds)


def run_progress(run: RecomputeRun, *, now=None) -> Progress:
    return runs_progress([run], now=now)[run.pk]


def runs_progress(runs: list[RecomputeRun], *, now=None) -> dict[int, Progress]:
    """The progress of each run, from one read of their shards (the list page shows many runs)."""
    now = now or timezone.now()
    tallies = {run.pk: {"counts": Counter(), "days_total": 0, "days_done": 0, "rows": 0} for run in runs}
    for run_id, start, end, status, written in RecomputeShard.objects.filter(run__in=runs).values_list(
        "run_id", "start", "end", "status", "rows"
    ):
        tally = tallies[run_id]
        days = (end - start).days + 1
        tally["counts"][status] += 1
        tally["days_total"] += days
        if status == ShardStatus.DONE:
            tally["days_done"] += days
            tally["rows"] += written
    return {run.pk: _progress(run, tallies[run.pk], now) for run in runs}


def _progress(run: RecomputeRun, tally: dict, now) -> Progress:
    counts, days_total, days_done = tally["counts"], tally["days_total"], tally["days_done"]
    finished = run.finished_at or (now if run.status not in (RunStatus.DONE, RunStatus.FAILED) else None)
    elapsed = (finished - run.started_at).total_seconds() if run.started_at and finished else None
    eta = None
    if elapsed is not None and days_done and run.status == RunStatus.RUNNING:
        eta = elapsed * (days_total - days_done) / days_done
    return Progress(
        total=sum(counts.values()),
        done=counts[ShardStatus.DONE],
        failed=counts[ShardStatus.FAILED],
        running=counts[ShardStatus.RUNNING],
        pending=counts[ShardStatus.PENDING],
        days_total=days_total,
        days_done=days_done,
        rows=tally["rows"],
        elapsed_seconds=elapsed,
        eta_seconds=eta,
    )


def run_list():
    return RecomputeRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


def run_shards(run: RecomputeRun):
    """The run's shards, failed and running first, with their process."""
    first = Case(
        When(status=ShardStatus.FAILED, then=Value(0)),
        When(status=ShardStatus.RUNNING, then=Value(1)),
        When(status=ShardStatus.PENDING, then=Value(2)),
        default=Value(3),
    )
    return run.shards.select_related("process").order_by(first, "process__code", "step", "start")
