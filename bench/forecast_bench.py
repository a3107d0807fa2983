"""Speed of the nightly forecast (issue 16: all methods with backtests for 50 processes in under
60 s on one worker).

    .venv/bin/python bench/forecast_bench.py [--processes 50] [--days 210] [--out NAME]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bpo_bench_forecast .venv/bin/python bench/forecast_bench.py

As bench/erlang_bench.py: SQLite by default (a temporary file), or PostgreSQL created, migrated
and dropped. Each process (15-minute intervals, 24 x 7, Europe/London) gets --days of interval
history (a weekly and daily pattern with noise, written as reporting.IntervalKpi rows); then the
`workforce.forecast_all` task runs once, in this process (one worker), after the one-off
statsforecast import has been timed apart (a worker pays it once). Prints the total, the mean and
the slowest run per process (ForecastRun.seconds) and the phases of one profiled run.
Writes bench/results/NAME.json and NAME.txt.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from erlang_bench import setup  # noqa: E402 - the same environment and database handling


def seed(processes: int, days: int) -> None:
    from zoneinfo import ZoneInfo

    import numpy as np

    from clients.models import Client
    from processes.models import Process
    from reporting.models import IntervalKpi
    from workforce.intervals import day_intervals

    tz = ZoneInfo("Europe/London")
    client = Client.objects.create(code="BENCH", name="Bench client", timezone="Europe/London")
    today = datetime.now(UTC).astimezone(tz).date()
    rng = np.random.default_rng(1)
    weekly = [1.0, 1.2, 1.1, 1.0, 0.9, 0.5, 0.3]
    for n in range(processes):
        process = Process.objects.create(client=client, code=f"BENCH-{n:03d}", name=f"Bench {n}", channel="voice",
                                         timezone="Europe/London")  # fmt: skip
        rows = []
        for k in range(days, 0, -1):
            day = today - timedelta(days=k)
            for start in day_intervals(day, tz, 15):
                hour = start.astimezone(tz).hour
                mean = 20 * weekly[day.weekday()] * (0.2 + (np.sin((hour - 8) / 12 * np.pi) if 8 <= hour <= 20 else 0))
                count = int(rng.poisson(mean))
                rows.append(IntervalKpi(process=process, local_date=day, interval_start=start, offered=count,
                                        answered=count, handled=count, handle_seconds=count * 180,
                                        computed_at=datetime.now(UTC)))  # fmt: skip
        IntervalKpi.objects.bulk_create(rows, batch_size=5000)


def run(processes: int) -> dict:
    import cProfile
    import pstats

    from processes.models import Process
    from workforce import forecasting, services, tasks
    from workforce.models import ForecastRun

    started = time.perf_counter()
    forecasting.ets_daily(forecasting.np.ones(30), 1)
    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = tasks.forecast_all()
    total = time.perf_counter() - started
    seconds = list(ForecastRun.objects.values_list("seconds", flat=True))
    profile = cProfile.Profile()
    process = Process.objects.order_by("code").first()
    profile.enable()
    services.forecast_run(process=process)
    profile.disable()
    stats = pstats.Stats(profile)
    phases = {}
    for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        if path.endswith(("workforce/services.py", "workforce/forecasting.py")) and name in {
            "load_history", "open_masks", "backtest", "forecast_days", "_write", "ets_daily"}:  # fmt: skip
            phases[name] = round(phases.get(name, 0) + cumulative, 3)
    return {
        "processes": processes,
        "failed": summary["failed"],
        "statsforecast_import_seconds": round(import_seconds, 2),
        "forecast_all_seconds": round(total, 2),
        "per_process_mean_seconds": round(sum(seconds) / len(seconds), 3),
        "per_process_max_seconds": round(max(seconds), 3),
        "one_run_phases_profiled_seconds": phases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=50)
    parser.add_argument("--days", type=int, default=210)
    parser.add_argument("--out", default="forecast_bench")
    args = parser.parse_args()
    vendor, cleanup = setup()
    try:
        started = time.perf_counter()
        seed(args.processes, args.days)
        seeded = time.perf_counter() - started
        result = {"database": vendor, "days_of_history": args.days, "seed_seconds": round(seeded, 1),
                  **run(args.processes)}  # fmt: skip
    finally:
        cleanup()
    text = json.dumps(result, indent=2)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.out}.json").write_text(text + "\n")
    (out / f"{args.out}.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
