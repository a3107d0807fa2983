"""Recompute across workers (issue 17, item 4): a sharded full recompute on 1 and 2 real Celery
workers next to the hand-written SELECT and the single-run engine, in the same run.

    .venv/bin/python bench/recompute_bench.py [--rows 10000000] [--pg URL] [--reuse]
        [--workers 1,2] [--repeat 2] [--shard-days 31] [--broker redis://127.0.0.1:6379/12]
        [--out NAME]

Database: built like bench/interval_bench.py (50 processes × 40 agents, 90 days, kpi_bench's
generator and the real import), or --reuse an existing one (e.g. `interval_bench.py --build-only`).
Then, --repeat rounds, the order reversed every other round:

- `hand`: the daily components as one SELECT … GROUP BY over every interaction, and the interval
  components as a second one (kpi_bench's hand-written SELECT and the engine's interval SELECT),
  rows fetched, nothing written: what the database itself needs to read and aggregate;
- `single`: `engine.recompute_all()` (one statement per 366 days, all processes);
- `shards-N`: `recompute.services.run_create` + `run_dispatch` to N real Celery worker processes
  (solo pool, a private queue of --broker), from the dispatch until every shard is done.

Targets (10M rows): one worker within 1.2× `hand`; two workers ≥ 1.7× faster than one. Also
checked once: the table after the sharded runs equals the table after `single` (DailyKpi and
IntervalKpi, without ids and timestamps). Writes bench/results/NAME.{json,txt}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from common import ROOT, django_setup

BENCH = Path(__file__).resolve().parent


def hand_seconds() -> float:
    """The daily and the interval aggregation as plain SELECTs (fetched, not written)."""
    from django.db import connection

    from reporting import engine
    from reporting.kpis import component_sql

    expressions = ", ".join(component_sql("i", "p").values())
    daily = (
        f"SELECT i.process_id, i.local_date, i.agent_id, i.team_id, {expressions} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        "GROUP BY i.process_id, i.local_date, i.agent_id, i.team_id"
    )
    interval = engine._interval_select_sql("1 = 1")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(daily)
        cursor.fetchall()
        cursor.execute(interval, {"computed_at": None})
        cursor.fetchall()
    return time.perf_counter() - started


def single_seconds() -> float:
    from reporting import engine

    started = time.perf_counter()
    engine.recompute_all()
    return time.perf_counter() - started


class Workers:
    """N real Celery worker processes (solo pool) on a private queue, pointed at the bench DB."""

    def __init__(self, n: int, url: str, broker: str):
        from celery import Celery

        self.queue = f"bench-{uuid.uuid4().hex[:10]}"
        self.sender = Celery("bench-sender", broker=broker, set_as_current=False)
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": broker, "LOG_LEVEL": "WARNING"}
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bpo_portal",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    self.queue,
                    "-n",
                    f"{self.queue}-{k}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for k in range(n)
        ]
        time.sleep(6)  # started and listening (a warm-up run follows before anything is timed)

    def send(self, shard_ids):
        for pk in shard_ids:
            self.sender.send_task("recompute.run_shard", args=[pk], queue=self.queue)

    def stop(self):
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            p.wait(timeout=30)


def sharded_seconds(workers: Workers, shard_days: int) -> float:
    from recompute import services
    from recompute.models import RunStatus

    run = services.run_create(shard_days=shard_days, note="bench")
    started = time.perf_counter()
    services.run_dispatch(run, enqueue=workers.send)
    while True:
        run.refresh_from_db()
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if run.status != RunStatus.DONE:
        raise SystemExit(f"run {run.pk} failed: {list(run.shards.exclude(error='').values_list('error', flat=True))}")
    return seconds


def snapshot():
    from reporting.models import DailyKpi, IntervalKpi

    out = []
    for model in (DailyKpi, IntervalKpi):
        columns = [f.attname for f in model._meta.fields if f.name not in ("id", "computed_at")]
        out.append(sorted(tuple(-1 if v is None else v for v in row) for row in model.objects.values_list(*columns)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/bpo_bench_rc")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bpo-bench"))
    parser.add_argument("--reuse", action="store_true", help="use the --pg database as it is")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--shard-days", type=int, default=31)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if not args.reuse:
        from interval_bench import build

        print(f"building {args.rows} rows into {args.pg}", flush=True)
        build(args.pg, args.rows, args.cache)
    django_setup(args.pg)
    counts = [int(n) for n in args.workers.split(",")]
    pools = {n: Workers(n, args.pg, args.broker) for n in counts}
    try:
        results = measure(args, pools)
    finally:
        for pool in pools.values():
            pool.stop()
    write(results, args.out or f"recompute_bench-{time.strftime('%Y-%m-%d')}")


def measure(args, pools) -> dict:
    from django.db import connection

    from processes.models import Interaction
    from recompute.models import RecomputeRun

    variants = {"hand": hand_seconds, "single": single_seconds}
    for n, pool in pools.items():
        variants[f"shards-{n}"] = lambda pool=pool: sharded_seconds(pool, args.shard_days)
    single_seconds()  # warm-up: every timed run deletes and rewrites the same rows
    expected = snapshot()
    for n, pool in pools.items():  # warm-up of each pool, and the check that shards give the same table
        sharded_seconds(pool, args.shard_days)
        same = snapshot() == expected
        print(f"  warm-up shards-{n}: table equals the single run: {same}", flush=True)
        if not same:
            raise SystemExit("the sharded table differs from the single run")
    samples = {name: [] for name in variants}
    names = list(variants)
    for r in range(args.repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            seconds = variants[name]()
            samples[name].append(seconds)
            print(f"  round {r + 1} {name}: {seconds:.2f} s (load {os.getloadavg()[0]:.2f})", flush=True)
    summary = {name: {"median_s": statistics.median(s), "min_s": min(s), "samples_s": s} for name, s in samples.items()}
    hand = summary["hand"]["median_s"]
    for row in summary.values():
        row["vs_hand"] = row["median_s"] / hand
    if "shards-1" in summary and "shards-2" in summary:
        summary["speedup_2_over_1"] = summary["shards-1"]["median_s"] / summary["shards-2"]["median_s"]
    RecomputeRun.objects.filter(note="bench").delete()
    return {
        "rows": Interaction.objects.count(),
        "database": connection.settings_dict["NAME"],
        "shard_days": args.shard_days,
        "cpus": os.cpu_count(),
        "load_after": os.getloadavg(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "results": summary,
    }


def write(results: dict, base: str) -> None:
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    (out / f"{base}.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [
        f"recompute bench, {results['rows']} rows, {results['shard_days']} days per shard, {results['measured_at']}"
    ]
    for name, row in results["results"].items():
        if isinstance(row, dict):
            lines.append(f"{name:>10}: median {row['median_s']:.2f} s, min {row['min_s']:.2f} s, "
                         f"{row['vs_hand']:.2f}× hand")  # fmt: skip
    if "speedup_2_over_1" in results["results"]:
        lines.append(f"two workers vs one: {results['results']['speedup_2_over_1']:.2f}× faster")
    text = "\n".join(lines)
    (out / f"{base}.txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
