"""Speed of the staffing pages at 10,000,000 interactions (issue 16: a staffing page for one
process and day under 200 ms; PostgreSQL, 50 processes, this 2-core machine).

    .venv/bin/python bench/interval_bench.py --pg postgres://postgres@127.0.0.1:5432/bpo_bench16 --build-only
    .venv/bin/python bench/staffing_bench.py --pg postgres://postgres@127.0.0.1:5432/bpo_bench16
        [--process BENCH-P00] [--today 2026-11-01] [--ahead 7] [--samples 50] [--warmup 5] [--out NAME]

Runs on a database built by `bench/interval_bench.py --build-only` (10M interactions over 50
processes, 90 local days ending 2026-10-31); it neither builds nor drops it. If the process has
KPI marks or no interval history yet (a fresh build leaves the recompute to a worker), its days
are recomputed first (`engine.recompute_range`, untimed).

The clock is moved to --today (default 2026-11-01, the day after the bench data ends, 10:00 UTC,
ticking; time-machine, this process only), so "today" has the 13 weeks of history a forecast
reads. Then, once and timed: the forecast run of --process (`workforce.services.forecast_run`, as
`manage.py forecast --process CODE` runs it: backtest of every method over 28 days, the chosen
method's 42 days written).

Then, as an operations manager (created if missing, `force_login`) through Django's test client
in-process (server time: middleware, session, scoping, the plan, Erlang C per interval, template or
serialiser; no network), DEBUG off: --warmup requests of each URL, then --samples timed rounds,
the URLs alternating within each round:

- the staffing day page, today (`/workforce/CODE/staffing/`, no `?date=`);
- the staffing day page of a forecast day (`?date=` today + --ahead);
- the week page (`/workforce/CODE/staffing/week/`, this week from Monday);
- `GET /api/v1/staffing/?process=CODE&date=` today (API.md).

Per URL: p50, p95, max, min in ms; the SQL queries of one more request
(django.test.utils.CaptureQueriesContext: count, summed database time, the slowest three), and a
cProfile of one request (the ten functions of most own time). Also `staffing.plan_day` alone (no
HTTP). Writes bench/results/NAME.json and NAME.txt (default staffing_bench-DATE).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, django_setup  # noqa: E402

TARGET_MS = 200.0


def environment(tmp: Path) -> None:
    os.environ.update(
        STATIC_ROOT=str(tmp / "static"),  # without DEBUG, pages need the collected manifest
        MEDIA_ROOT=str(tmp / "media"),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="false",
        AXES_ENABLED="false",
        LOG_LEVEL="ERROR",
        API_RATE_USER="1000000/minute",
    )


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
        "min_ms": round(ordered[0], 2),
    }


def prepare(process) -> dict:
    """Recompute the process's days when the build left them to a worker (untimed)."""
    from processes.models import KpiMark
    from reporting import engine
    from reporting.models import IntervalKpi

    marks = KpiMark.objects.filter(process=process).count()
    intervals = IntervalKpi.objects.filter(process=process).count()
    info = {"marks_before": marks, "interval_rows_before": intervals}
    if marks or not intervals:
        started = time.perf_counter()
        info["recomputed_rows"] = engine.recompute_range(process)
        info["recompute_s"] = round(time.perf_counter() - started, 2)
        print(f"  recomputed {process.code}: {info['recomputed_rows']:,} rows in {info['recompute_s']} s", flush=True)
    info["interval_rows"] = IntervalKpi.objects.filter(process=process).count()
    return info


def forecast(process) -> dict:
    from workforce import services
    from workforce.models import Forecast

    started = time.perf_counter()
    result = services.forecast_run(process=process)
    seconds = time.perf_counter() - started
    run = result.run
    info = {
        "seconds": round(seconds, 2),
        "method": str(run.method),
        "wape": {str(getattr(m, "value", m)): w for m, w in run.wape.items()},
        "rows_written": result.rows,
        "horizon": [str(run.horizon_start), str(run.horizon_end)],
        "forecast_rows": Forecast.objects.filter(process=process).count(),
    }
    print(
        f"  forecast {process.code}: {info['method']}, {result.rows} rows, {seconds:.2f} s; WAPE {info['wape']}",
        flush=True,
    )
    return info


def check(label: str, response) -> dict:
    """The response is the page asked for, with a forecast that Erlang C had to staff."""
    assert response.status_code == 200, (label, response.status_code, response.content[:300])
    if label.startswith("api"):
        body = response.json()
        rows = body["results"]
        contacts = sum(r["contacts"] for r in rows)
        peak = max(r["required_with_shrinkage"] for r in rows)
        assert contacts > 0 and peak > 0, (label, contacts, peak)
        return {"intervals": len(rows), "contacts": round(contacts, 1), "peak_required_with_shrinkage": peak}
    return {"bytes": len(response.content)}


def queries(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    rows = captured.captured_queries
    slowest = sorted(rows, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "count": len(rows),
        "sql_ms": round(sum(float(q["time"]) for q in rows) * 1000, 2),
        "slowest": [{"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]} for q in slowest],
    }


def profile(client, url: str, top: int = 10) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    total = next((line for line in lines if "function calls" in line), "")
    table = [line for line in lines if line[:1] == " " or line.lstrip()[:1].isdigit()]
    return [total.strip(), *table[-top - 1 :]]


def measure(client, urls: dict, samples: int, warmup: int) -> dict:
    from django.db import connection

    results = {label: {"url": url} for label, url in urls.items()}
    for label, url in urls.items():
        for _ in range(warmup):
            results[label]["check"] = check(label, client.get(url))
    timed = {label: [] for label in urls}
    for _ in range(samples):
        for label, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            timed[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    for label, url in urls.items():
        results[label].update(percentiles(timed[label]))
        results[label]["samples_ms"] = [round(s, 2) for s in timed[label]]
        results[label]["queries"] = queries(client, url)
        results[label]["profile"] = profile(client, url)
        row = results[label]
        print(f"  {label}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']}, max {row['max_ms']}; "
              f"{row['queries']['count']} queries, {row['queries']['sql_ms']} ms SQL", flush=True)  # fmt: skip
    assert connection.vendor == "postgresql"
    return results


def plan_only(process, days: list[date], samples: int) -> dict:
    from workforce import staffing

    out = {}
    for day in days:
        staffing.plan_day(process, day)
        timed = []
        for _ in range(samples):
            started = time.perf_counter()
            staffing.plan_day(process, day)
            timed.append((time.perf_counter() - started) * 1000)
        out[str(day)] = percentiles(timed)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/bpo_bench_iv")
    parser.add_argument("--process", default="BENCH-P00")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--ahead", type=int, default=7, help="the forecast day: today + AHEAD days")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", default=None, help="base name under bench/results/ (.json and .txt)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="staffingbench-"))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path) -> None:
    environment(tmp)
    django_setup(args.pg)
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from processes.models import Interaction, Process

    call_command("collectstatic", interactive=False, verbosity=0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "started_utc": datetime.now(UTC).strftime("%H:%M"),
        "commit": os.environ.get("BENCH_COMMIT") or commit.stdout.strip(),
        "machine": f"{os.cpu_count()} cores",
        "database": args.pg.rsplit("/", 1)[1],
        "load_before": os.getloadavg(),
        "samples": args.samples,
        "warmup": args.warmup,
        "target_ms": TARGET_MS,
    }
    process = Process.objects.select_related("calendar").get(code=args.process)
    results["interactions"] = Interaction.objects.count()
    results["process_interactions"] = Interaction.objects.filter(process=process).count()
    results["processes"] = Process.objects.count()
    print(f"staffing bench on {results['database']}: {results['interactions']:,} interactions, "
          f"{results['processes']} processes; {process.code} {results['process_interactions']:,}",
          flush=True)  # fmt: skip
    results["prepare"] = prepare(process)
    moment = datetime(args.today.year, args.today.month, args.today.day, 10, tzinfo=UTC)
    with time_machine.travel(moment, tick=True):
        results["today"] = str(args.today)
        results["forecast"] = forecast(process)
        user = User.objects.filter(username="bench16-ops").first() or User.objects.create_user(
            "bench16-ops", password=secrets.token_urlsafe(12), role="ops_manager"
        )
        client = Client()
        client.force_login(user)
        ahead = args.today + timedelta(days=args.ahead)
        code = process.code
        urls = {
            "day page, today": f"/workforce/{code}/staffing/",
            f"day page, forecast day {ahead}": f"/workforce/{code}/staffing/?date={ahead}",
            "week page": f"/workforce/{code}/staffing/week/",
            "api, today": f"/api/v1/staffing/?process={code}&date={args.today}",
        }
        results["urls"] = measure(client, urls, args.samples, args.warmup)
        results["plan_day_only"] = plan_only(process, [args.today, ahead], args.samples)
    results["load_after"] = os.getloadavg()
    connection.close()
    write(results, args.out or f"staffing_bench-{results['date']}")


def write(results: dict, base: str) -> None:
    lines = [
        f"staffing_bench {results['date']} {results['started_utc']} UTC at {results['commit']}: PostgreSQL "
        f"{results['database']}, {results['interactions']:,} interactions over {results['processes']} processes, "
        f"{results['machine']}; load {results['load_before'][0]:.2f} before, {results['load_after'][0]:.2f} after",
        f"clock at {results['today']} 10:00 UTC (time-machine); Django test client in-process, DEBUG off, "
        f"an operations manager (session); {results['warmup']} warm-up then {results['samples']} timed requests "
        "per URL, URLs alternating",
        f"prepare: {results['prepare']}",
        f"forecast run (services.forecast_run): {results['forecast']}",
        "",
        "| URL | p50 ms | p95 ms | max ms | min ms | SQL queries | SQL ms (one request) "
        f"| < {TARGET_MS:.0f} ms (p95) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, row in results["urls"].items():
        q = row["queries"]
        met = "met" if row["p95_ms"] < TARGET_MS else "MISSED"
        lines.append(f"| {label} `{row['url']}` | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | "
                     f"{row['min_ms']} | {q['count']} | {q['sql_ms']} | {met} |")  # fmt: skip
    lines.append(f"\nstaffing.plan_day alone (no HTTP): {results['plan_day_only']}")
    for label, row in results["urls"].items():
        lines.append(f"\n{label}: check {row['check']}; slowest queries:")
        lines += [f"  {q['ms']} ms  {q['sql']}" for q in row["queries"]["slowest"]]
        lines.append("  cProfile of one request (own time):")
        lines += [f"    {line}" for line in row["profile"]]
    text = "\n".join(lines) + "\n"
    print(text)
    out = BENCH / "results"
    (out / f"{base}.json").write_text(json.dumps(results, indent=2, default=str))
    (out / f"{base}.txt").write_text(text)
    print(f"written to {out / base}.json and .txt")


if __name__ == "__main__":
    main()
