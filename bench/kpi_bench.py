"""Import and KPI benchmark (issue "Interactions in, KPIs out"). Prints a table and writes JSON
to bench/results/.

    python bench/kpi_bench.py [--import-rows 1000000] [--kpi-rows 10000000] [--sqlite-rows 500000]
        [--pg postgres://postgres@127.0.0.1:5432/bpo_bench] [--cache /tmp/bpo-bench]
        [--parts 1,2,3] [--repeat 1] [--out NAME.json] [--reuse] [--no-full]

Measures, on a throw-away PostgreSQL database (dropped and re-created) and a SQLite file:
1. importing --import-rows rows with full validation (rows/s, peak RSS of the importing process)
   next to a raw COPY of the same file into a bare table, in the same run;
2. the SQLite import rate;
3. with --kpi-rows rows loaded: the full KPI recompute next to the equivalent single hand-written
   SQL query, the import of one more day and the incremental recompute it triggers, and the
   latency of GET /api/v1/kpis/ for one client's month.
Generated files are cached in --cache (deterministic: same arguments, same file). --parts runs
only some of the three; --repeat N runs the timed steps of parts 1 and 3 (import vs COPY, full
recompute vs the hand-written query) N times each, keeping every sample and the better-of.
With --reuse, an extra day already in the database (from an earlier run) is taken out first (its
rows deleted, the flags of the contacts it repeated re-evaluated, their days recomputed), so the
extra-day import always measures the same first-time import. --no-full skips the full recompute
of part 3 (to time only the extra day and its incremental recompute).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from common import ROOT, django_setup
from gen_interactions import generate

BENCH = Path(__file__).resolve().parent
END = date(2026, 10, 31)
DAYS = 90


def cached_file(cache: Path, rows: int, **kwargs) -> Path:
    name = "-".join([f"{rows}"] + [f"{k}{v}" for k, v in sorted(kwargs.items())]) + ".csv"
    path = cache / name
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", buffering=1 << 20) as out:
            generate(rows, out, end=END, days=DAYS, **kwargs)
        tmp.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def psql(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    psql(url, f"DROP DATABASE IF EXISTS {name}")
    psql(url, f"CREATE DATABASE {name}")
    migrate_with_master_data(url)


def migrate_with_master_data(url: str) -> None:
    """Migrate the database at `url` and create the bench processes and agents (in child processes,
    so this process stays unconfigured until it needs Django)."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=env)
    setup = "import sys; sys.path.insert(0, 'bench'); from common import *; django_setup(); create_master_data()"
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, check=True, env=env)


def import_in_child(url: str, path: Path) -> dict:
    """Run the import in a child process; returns its JSON result plus its peak RSS in MB."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "_import_once.py"), url, str(path)],
        cwd=BENCH,
        stdout=subprocess.PIPE,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"import of {path} failed")
    result = json.loads(output)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def raw_copy(url: str, path: Path) -> float:
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "DROP TABLE IF EXISTS bench_raw_copy; CREATE TABLE bench_raw_copy (external_id text, process text,"
            " agent text, channel text, direction text, customer_ref text, arrived_at timestamptz,"
            " answered_at timestamptz, ended_at timestamptz, talk_seconds int, hold_seconds int, wrap_seconds int,"
            " abandoned boolean, resolved boolean, csat smallint, disposition text)"
        )
        conn.commit()
        started = time.perf_counter()
        with open(path) as stream:
            cur.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", stream)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_raw_copy")
        conn.commit()
    conn.close()
    return seconds


def hand_written_sql_seconds() -> float:
    """The whole KPI aggregation as one SELECT … GROUP BY over every interaction (no writing)."""
    from django.db import connection

    from reporting.kpis import component_sql

    expressions = ", ".join(component_sql("i", "p").values())
    sql = (
        f"SELECT i.process_id, i.local_date, i.agent_id, i.team_id, {expressions} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        "GROUP BY i.process_id, i.local_date, i.agent_id, i.team_id"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = len(cursor.fetchall())
    seconds = time.perf_counter() - started
    print(f"  hand-written SQL: {rows} groups", flush=True)
    return seconds


def remove_extra_day(kpi_rows: int) -> None:
    """Take the extra day of an earlier run out of a reused database: delete its rows (external ids
    from `kpi_rows` up, arriving after END), re-evaluate the repeat-contact flags of the days its
    FCR window reaches, recompute those days, and clear the marks."""
    from django.db import connection

    from processes.ledger import refresh_repeat_flags
    from processes.models import KpiMark
    from reporting import engine

    since = END - timedelta(days=12)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM processes_interaction WHERE local_date >= %s AND external_id ~ '^[0-9]+$'"
            " AND length(external_id) >= %s AND external_id::bigint >= %s",
            [END - timedelta(days=1), len(str(kpi_rows)), kpi_rows],
        )
        deleted = cursor.rowcount
    # Also when nothing was deleted: an interrupted earlier run may have deleted without this.
    flipped = refresh_repeat_flags(since=since)
    if deleted or flipped:
        engine.recompute_all(since, END + timedelta(days=2))
    KpiMark.objects.all().delete()
    print(f"  took out the extra day of an earlier run: {deleted} rows; flags flipped on {flipped} days", flush=True)


def api_latency(runs: int = 30) -> dict:
    from django.test import Client

    from accounts.models import User

    user, _ = User.objects.get_or_create(username="bench-ops", defaults={"role": "ops_manager"})
    client = Client()
    client.force_login(user)
    url = "/api/v1/kpis/?client=BENCH&start=2026-10-01&end=2026-10-31&group_by=day"
    client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(response.json()["results"]) == 31
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "max_ms": samples[-1],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--kpi-rows", type=int, default=10_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=500_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/bpo_bench")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bpo-bench"))
    parser.add_argument("--parts", default="1,2,3")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default=None, help="file name under bench/results/")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="part 3 on the --pg database as it is (already holding the --kpi-rows file)",
    )
    parser.add_argument("--no-full", action="store_true", help="part 3 without the full recompute")
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",")}
    args.cache.mkdir(parents=True, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores"}

    if 1 in parts:
        print(f"1. PostgreSQL import of {args.import_rows:,} rows vs raw COPY", flush=True)
        path = cached_file(args.cache, args.import_rows)
        samples = []
        for _ in range(args.repeat):
            fresh_database(args.pg)
            copy_seconds = raw_copy(args.pg, path)
            imported = import_in_child(args.pg, path)
            samples.append((imported["seconds"] / copy_seconds, copy_seconds, imported))
            print(f"  import {imported['seconds']:.1f} s, raw COPY {copy_seconds:.1f} s", flush=True)
        ratio, copy_seconds, imported = min(samples, key=lambda sample: sample[0])
        again = import_in_child(args.pg, path)  # the same file again: all updates
        results["pg_import"] = {
            "rows": imported["rows"],
            "raw_copy_s": copy_seconds,
            "import_s": imported["seconds"],
            "rows_per_s": imported["rows"] / imported["seconds"],
            "ratio_to_copy": ratio,
            "peak_rss_mb": imported["peak_rss_mb"],
            "reimport_s": again["seconds"],
            "reimport_updated": again["updated"],
            "reimport_peak_rss_mb": again["peak_rss_mb"],
            "samples": [{"import_s": s[2]["seconds"], "raw_copy_s": s[1], "ratio": s[0]} for s in samples],
        }
        print(f"  {results['pg_import']}", flush=True)

    if 2 in parts:
        print(f"2. SQLite import of {args.sqlite_rows:,} rows", flush=True)
        sqlite_path = args.cache / "bench.sqlite3"
        sqlite_url = f"sqlite:///{sqlite_path}"
        small = cached_file(args.cache, args.sqlite_rows)
        runs = []
        for _ in range(args.repeat):
            sqlite_path.unlink(missing_ok=True)
            migrate_with_master_data(sqlite_url)
            runs.append(import_in_child(sqlite_url, small))
        imported = min(runs, key=lambda run: run["seconds"])
        results["sqlite_import"] = {
            "rows": imported["rows"],
            "import_s": imported["seconds"],
            "rows_per_s": imported["rows"] / imported["seconds"],
            "peak_rss_mb": imported["peak_rss_mb"],
            "samples_s": [run["seconds"] for run in runs],
        }
        print(f"  {results['sqlite_import']}", flush=True)

    if 3 in parts:
        print(f"3. KPIs over {args.kpi_rows:,} rows (PostgreSQL)", flush=True)
        big = cached_file(args.cache, args.kpi_rows)
        if args.reuse:
            results["kpi_load"] = {"reused": args.pg}
        else:
            fresh_database(args.pg)
            loaded = import_in_child(args.pg, big)
            results["kpi_load"] = {
                "rows": loaded["rows"],
                "import_s": loaded["seconds"],
                "rows_per_s": loaded["rows"] / loaded["seconds"],
                "peak_rss_mb": loaded["peak_rss_mb"],
            }
        print(f"  loaded: {results['kpi_load']}", flush=True)
        django_setup(args.pg)
        from django.db import connection
        from django.utils.timezone import now as django_now

        from processes.models import KpiMark
        from reporting import engine

        if args.reuse:
            remove_extra_day(args.kpi_rows)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE processes_interaction")
        samples = []
        for _ in range(0 if args.no_full else args.repeat):
            KpiMark.objects.all().delete()
            started = time.perf_counter()
            engine.recompute_all()
            full = time.perf_counter() - started
            hand = hand_written_sql_seconds()
            samples.append((full / hand, full, hand))
            print(f"  full recompute {full:.1f} s, hand-written SQL {hand:.1f} s", flush=True)
        ratio, full, hand = min(samples) if samples else (None, None, None)
        results["full_recompute"] = {
            "rows": args.kpi_rows,
            "engine_s": full,
            "hand_sql_s": hand,
            "ratio": ratio,
            "samples": [{"engine_s": s[1], "hand_sql_s": s[2], "ratio": s[0]} for s in samples],
        }
        print(f"  {results['full_recompute']}", flush=True)

        day_rows = args.kpi_rows // DAYS
        extra = args.cache / f"extra-day-{day_rows}.csv"
        if not extra.exists():
            with open(extra, "w") as out:
                generate(day_rows, out, days=1, end=END + timedelta(days=1), seed=2, id_offset=args.kpi_rows)
        added = import_in_child(args.pg, extra)
        marked = list(KpiMark.objects.values_list("process_id", "local_date", "fcr_only"))
        runs = []
        for _ in range(args.repeat):  # the same marks again: the same work
            for process_id, day, fcr_only in marked:
                KpiMark.objects.update_or_create(
                    process_id=process_id, local_date=day, defaults={"marked_at": django_now(), "fcr_only": fcr_only}
                )
            started = time.perf_counter()
            done = engine.recompute_marked()
            runs.append(time.perf_counter() - started)
        incremental = min(runs)
        results["incremental"] = {
            "rows": added["rows"],
            "import_s": added["seconds"],
            "recompute_s": incremental,
            "recompute_samples_s": runs,
            "days_recomputed": done["days"],
            "fcr_only_days": done.get("fcr_only_days", 0),
            "processes": done["processes"],
        }
        print(f"  {results['incremental']}", flush=True)

        results["kpi_api"] = api_latency()
        print(f"  API: {results['kpi_api']}", flush=True)

    out = BENCH / "results" / (args.out or f"kpi_bench-{results['date']}.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
