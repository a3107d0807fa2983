"""What the interval history costs the KPI engine (issue 16: at most +25 % on a full recompute and
on the one-day incremental recompute, PostgreSQL, 10,000,000 interactions over 50 processes).

    .venv/bin/python bench/interval_bench.py [--rows 10000000] [--repeat 3] [--inc-repeat 5]
        [--pg postgres://postgres@127.0.0.1:5432/bpo_bench_iv] [--cache /tmp/bpo-bench]
        [--variants with,without,temp,single,stats,nojit] [--keep] [--build-only | --reuse] [--out NAME]

Builds its own PostgreSQL database (dropped and re-created; dropped again at the end unless
--keep), loads --rows interactions over 50 processes × 40 agents and 90 days with kpi_bench's
generator and import (`cached_file`, `import_in_child`: the real import service, in a child
process), runs one untimed full recompute (so every timed run deletes and rewrites the same
rows), then in the same run, the variants alternating (A B A B …, --repeat rounds):

- full recompute (`engine.recompute_all()`), every KpiMark deleted first;
- after importing one more day (the same generator, 1/90 of --rows, id offset --rows), the
  incremental recompute it triggers (`engine.recompute_marked()` over the marks that import
  left, re-created before each sample), --inc-repeat rounds.

Variants: "with" is the engine as committed; "without" monkeypatches
`reporting.engine._rewrite_intervals` to a no-op returning 0 (this process only); "temp" is a
candidate (not in the engine): the interval aggregation as CREATE TEMP TABLE … AS SELECT (which
PostgreSQL 15 parallelises, INSERT … SELECT it never does), then DELETE and INSERT from it, as
`_rewrite` already does for the daily components (the engine does this since 2026-12-03);
"single" is a candidate replacing `reporting.engine._rewrite` (monkeypatched, not in the engine):
one pass over the interactions into a temp table at the finer grain (process, client, local_date,
agent, team, interval number) with every component, then the daily rows (with the QA join) and the
interval rows both re-summed from it (`_single_rewrite`: every component is a SUM, so re-summing is
exact for the integers; `wait_seconds` is a float sum); "stats" is the engine as committed with
`CREATE STATISTICS (ndistinct) ON process_id, local_date, (arrived_us / 900000000)` and ANALYZE
before each of its samples (untimed; dropped after), so the planner knows the interval groups;
"nojit" is the committed `_rewrite_intervals` with JIT off for its statements (SET LOCAL, restored).
Median and min per variant, overhead % of the medians and of the mins against "without".

Then once: the correctness check (IntervalKpi summed per (process, local_date) equals DailyKpi
summed per (process, local_date) for offered, answered, answered_within, abandoned, handled,
handle_seconds, after one more untimed full recompute by the engine as committed: the count of
mismatching groups must be 0), and EXPLAIN (ANALYZE, BUFFERS) of the interval statement as the
engine runs it (its SELECT alone, then the DELETE and the INSERT, rolled back), for the full range
and for the incremental day set. For each candidate among --variants (not "with", "without"):
the tables as the committed engine wrote them are copied aside, one more full recompute runs with
the candidate (untimed), and its rows are checked the same way and compared row by row with the
copy (integers exactly, wait_seconds and qa_sum within 1e-9 relative); then the committed engine
rewrites them once more. "single" records its seconds per statement; "stats" the plan it gets.
--build-only builds and keeps the database; --reuse then times on it (an extra day of an earlier
run is taken out first). Writes bench/results/NAME.json and .txt.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from common import ROOT, django_setup
from gen_interactions import generate
from kpi_bench import DAYS, END, cached_file, import_in_child, psql, remove_extra_day

BENCH = Path(__file__).resolve().parent
PROCESSES = 50
COMPARED = ("offered", "answered", "answered_within", "abandoned", "handled", "handle_seconds")


def build(url: str, rows: int, cache: Path) -> dict:
    """A fresh database with 50 bench processes and `rows` interactions loaded by the import."""
    name = url.rsplit("/", 1)[1]
    psql(url, f"DROP DATABASE IF EXISTS {name}")
    psql(url, f"CREATE DATABASE {name}")
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=env)
    setup = (
        "import sys; sys.path.insert(0, 'bench'); from common import *; django_setup(); "
        f"create_master_data(processes={PROCESSES})"
    )
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, check=True, env=env)
    path = cached_file(cache, rows, processes=PROCESSES)
    loaded = import_in_child(url, path)
    print(f"  loaded {loaded['rows']:,} rows in {loaded['seconds']:.0f} s", flush=True)
    return loaded


def _noop_intervals(cursor, where, params) -> int:
    return 0


def _temp_intervals(cursor, where, params) -> int:
    """Candidate: aggregate into a temp table first (a parallel plan on PostgreSQL 15), then
    delete and insert from it, like `_rewrite` does for the daily components."""
    from reporting import engine

    columns = ", ".join(engine._interval_columns())
    cursor.execute("DROP TABLE IF EXISTS kpi_fresh_iv")
    cursor.execute(f"CREATE TEMP TABLE kpi_fresh_iv ON COMMIT DROP AS {engine._interval_select_sql(where)}", params)
    cursor.execute(f"DELETE FROM reporting_intervalkpi AS i WHERE {where}", params)
    cursor.execute(f"INSERT INTO reporting_intervalkpi ({columns}) SELECT * FROM kpi_fresh_iv")
    written = cursor.rowcount
    cursor.execute("DROP TABLE kpi_fresh_iv")
    return written


_FINE = "kpi_fine"
SINGLE_STEPS: list[dict] = []  # per call of `_single_rewrite`: seconds per statement, rows of the fine table


def _single_rewrite(cursor, where, params) -> int:
    """Candidate "single" (replaces `reporting.engine._rewrite`, PostgreSQL only): one pass over
    the interactions. Every component of `reporting.kpis.component_sql` is a SUM of a per-row
    value (counts are SUM(CASE … 1 ELSE 0), totals SUM(CASE … value ELSE 0)), so it is aggregated
    once at the finer grain (process, client, local_date, agent, team, interval number) into a temp
    table (CREATE TEMP TABLE … AS: a parallel plan, as `_rewrite` has), then re-summed from it
    to the daily rows (with the QA join of `_select_sql`) and to the interval rows; both tables
    deleted and inserted in the caller's transaction. Re-summing is exact for the integer
    components; `wait_seconds` (double precision) is a float sum, equal up to the order of the
    additions (the engine's parallel sum has no fixed order either). Counts in the fine table are
    int4 (a group holds a handful of rows), to keep it narrow."""
    from reporting import engine
    from reporting.kpis import component_sql

    steps = {}

    def run(label, sql, args=None):
        started = time.perf_counter()
        cursor.execute(sql, args)
        steps[label] = round(time.perf_counter() - started, 2)
        return cursor.rowcount

    components = component_sql("i", "p")
    floats = {"wait_seconds"}  # double precision in the tables: kept as is
    handle = {"handle_seconds"}  # bigint in the tables
    fine_cols = [
        f"{sql}{'' if name in floats else '::bigint' if name in handle else '::integer'} AS {name}"
        for name, sql in components.items()
    ]
    bucket = f"i.arrived_us / {engine.INTERVAL_SECONDS * 1_000_000}"
    fine = (
        f"SELECT i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id, {bucket} AS bucket, "
        f"{', '.join(fine_cols)} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        f"WHERE {where} GROUP BY i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id, {bucket}"
    )
    cursor.execute(f"DROP TABLE IF EXISTS {_FINE}")
    fine_rows = run("fine", f"CREATE TEMP TABLE {_FINE} ON COMMIT DROP AS {fine}", params)
    run("analyze_fine", f"ANALYZE {_FINE}")

    def resum(name):
        return f"SUM({name}) AS {name}" if name in floats else f"SUM({name})::bigint AS {name}"

    daily_g = (
        "SELECT process_id, client_id, local_date, agent_id, team_id, "
        f"{', '.join(resum(name) for name in components)} FROM {_FINE} "
        "GROUP BY process_id, client_id, local_date, agent_id, team_id"
    )
    # The QA components read the evaluations (joined to their interactions on `where`), as
    # `_select_sql` does: a small join, not a second pass over the interactions' components.
    from quality.components import qa_component_sql

    daily = (
        "SELECT g.process_id, g.client_id, g.local_date, g.agent_id, g.team_id, "
        f"{', '.join(f'g.{name}' for name in components)}, "
        "COALESCE(q.qa_count, 0) AS qa_count, COALESCE(q.qa_sum, 0) AS qa_sum, %(computed_at)s AS computed_at "
        f"FROM ({daily_g}) g LEFT JOIN ({qa_component_sql(where)}) q"
        " ON q.process_id = g.process_id AND q.local_date = g.local_date"
        " AND COALESCE(q.agent_id, 0) = COALESCE(g.agent_id, 0) AND COALESCE(q.team_id, 0) = COALESCE(g.team_id, 0)"
    )
    intervals = (
        f"SELECT process_id, local_date, {engine._interval_start_sql('bucket')} AS interval_start, "
        f"{', '.join(resum(name) for name in engine.INTERVAL_COMPONENTS)}, %(computed_at)s AS computed_at "
        f"FROM {_FINE} GROUP BY process_id, local_date, bucket"
    )
    run("delete_daily", f"DELETE FROM reporting_dailykpi AS i WHERE {where}", params)
    engine._fault_pause()
    written = run("insert_daily", f"INSERT INTO reporting_dailykpi ({', '.join(engine._columns())}) {daily}", params)
    run("delete_intervals", f"DELETE FROM reporting_intervalkpi AS i WHERE {where}", params)
    interval_rows = run(
        "insert_intervals",
        f"INSERT INTO reporting_intervalkpi ({', '.join(engine._interval_columns())}) {intervals}",
        params,
    )
    cursor.execute(f"DROP TABLE {_FINE}")
    SINGLE_STEPS.append({"seconds": steps, "fine_rows": fine_rows, "daily_rows": written,
                         "interval_rows": interval_rows})  # fmt: skip
    return written


# Candidate "stats": the engine as committed, with extended statistics on the interval grouping
# created (and ANALYZE run) before each of its samples, untimed, and dropped after: with them the
# planner knows the (process, local_date, interval number) groups are ~437,000, not one per row.
_STATS = "bench_interval_grouping"


def _stats_on(cursor) -> None:
    from reporting import engine

    cursor.execute(f"DROP STATISTICS IF EXISTS {_STATS}")
    cursor.execute(
        f"CREATE STATISTICS {_STATS} (ndistinct) ON process_id, local_date,"
        f" (arrived_us / {engine.INTERVAL_SECONDS * 1_000_000}) FROM processes_interaction"
    )
    cursor.execute("ANALYZE processes_interaction")


def _stats_off(cursor) -> None:
    cursor.execute(f"DROP STATISTICS IF EXISTS {_STATS}")


def _nojit_intervals(cursor, where, params) -> int:
    """Candidate "nojit": the committed `_rewrite_intervals` with JIT off for its statements (the
    full recompute keeps the default: EXPLAIN ANALYZE showed 2.8–5 s of JIT compilation in its
    interval SELECT), the setting restored after."""
    cursor.execute("SELECT current_setting('jit')")
    previous = cursor.fetchone()[0]
    cursor.execute("SET LOCAL jit = off")
    try:
        return _COMMITTED["_rewrite_intervals"](cursor, where, params)
    finally:
        cursor.execute("SELECT set_config('jit', %s, true)", [previous])


_COMMITTED: dict = {}  # the engine's own functions, taken before any variant patches them


def variants_spec() -> dict:
    """Per variant: the engine functions it replaces, and what runs (untimed) before and after
    each of its samples."""
    return {
        "with": {"patch": {}},
        "without": {"patch": {"_rewrite_intervals": _noop_intervals}},
        "temp": {"patch": {"_rewrite_intervals": _temp_intervals}},
        "single": {"patch": {"_rewrite": _single_rewrite}},
        "stats": {"patch": {}, "before": _stats_on, "after": _stats_off},
        "nojit": {"patch": {"_rewrite_intervals": _nojit_intervals}},
    }


def variant_functions() -> dict:
    from reporting import engine

    return {"with": engine._rewrite_intervals, "without": _noop_intervals, "temp": _temp_intervals}


def _hook(spec, name) -> None:
    from django.db import connection

    if name in spec:
        with connection.cursor() as cursor:
            spec[name](cursor)


def timed(variant, work) -> float:
    from reporting import engine

    spec = variants_spec()[variant]
    _COMMITTED.setdefault("_rewrite_intervals", engine._rewrite_intervals)
    originals = {name: getattr(engine, name) for name in spec["patch"]}
    _hook(spec, "before")
    for name, function in spec["patch"].items():
        setattr(engine, name, function)
    try:
        started = time.perf_counter()
        work()
        return time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(engine, name, function)
        _hook(spec, "after")


def alternate(variants: list[str], rounds: int, prepare, work, label: str) -> dict:
    """Rounds of every variant in turn, the order reversed every other round (A B, B A, …: no
    variant always first or always last)."""
    samples = {v: [] for v in variants}
    for r in range(rounds):
        order = variants if r % 2 == 0 else variants[::-1]
        for v in order:
            prepare()
            seconds = timed(v, work)
            samples[v].append(seconds)
            print(f"  {label} round {r + 1} {v}: {seconds:.2f} s (load {os.getloadavg()[0]:.2f})", flush=True)
    return summarise(samples)


def summarise(samples: dict) -> dict:
    out = {v: {"median_s": statistics.median(s), "min_s": min(s), "samples_s": s} for v, s in samples.items()}
    base = out.get("without")
    for v, row in out.items():
        if base and v != "without":
            row["overhead_median_pct"] = 100 * (row["median_s"] / base["median_s"] - 1)
            row["overhead_min_pct"] = 100 * (row["min_s"] / base["min_s"] - 1)
    return out


def mismatching_groups() -> tuple[int, int]:
    from django.db import connection

    sums = ", ".join(f"sum({c}) AS {c}" for c in COMPARED)
    d = ", ".join(f"d.{c}" for c in COMPARED)
    v = ", ".join(f"v.{c}" for c in COMPARED)
    sql = (
        f"WITH d AS (SELECT process_id, local_date, {sums} FROM reporting_dailykpi GROUP BY 1, 2),"
        f" v AS (SELECT process_id, local_date, {sums} FROM reporting_intervalkpi GROUP BY 1, 2)"
        " SELECT count(*) FILTER (WHERE d.process_id IS NULL OR v.process_id IS NULL"
        f" OR ({d}) IS DISTINCT FROM ({v})), count(*)"
        " FROM d FULL JOIN v ON d.process_id = v.process_id AND d.local_date = v.local_date"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def explain(where: str, params: dict, *, incremental: bool) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the interval statement as the engine runs it (INSERT …
    SELECT, rolled back) and of its SELECT alone (as a CREATE TABLE AS would plan it), with the
    settings the engine uses (the incremental recompute: jit off, work_mem 64MB)."""
    from django.db import connection, transaction

    from reporting import engine

    insert = (
        f"INSERT INTO reporting_intervalkpi ({', '.join(engine._interval_columns())}) "
        f"{engine._interval_select_sql(where)}"
    )
    delete = f"DELETE FROM reporting_intervalkpi AS i WHERE {where}"
    plans = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if incremental:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
            for label, sql in (("select", engine._interval_select_sql(where)), ("delete", delete), ("insert", insert)):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plans[label] = "\n".join(row[0] for row in cursor.fetchall())
            raise _Rollback
    except _Rollback:
        pass
    return plans


class _Rollback(Exception):
    pass


def full_phase(variants, rounds) -> dict:
    from processes.models import KpiMark
    from reporting import engine

    return alternate(variants, rounds, lambda: KpiMark.objects.all().delete(), engine.recompute_all, "full")


def incremental_phase(args, variants) -> tuple[dict, dict, list]:
    from django.utils.timezone import now as django_now

    from processes.models import KpiMark
    from reporting import engine

    day_rows = args.rows // DAYS
    extra = args.cache / f"extra-day-{day_rows}-processes{PROCESSES}.csv"
    if not extra.exists():
        with open(extra, "w") as out:
            generate(
                day_rows, out, processes=PROCESSES, days=1, end=END + timedelta(days=1), seed=2, id_offset=args.rows
            )
    KpiMark.objects.all().delete()
    added = import_in_child(args.pg, extra)
    marked = list(KpiMark.objects.values_list("process_id", "local_date", "fcr_only"))
    print(f"  extra day: {added['rows']:,} rows in {added['seconds']:.1f} s; {len(marked)} marks", flush=True)

    def prepare():
        for process_id, day, fcr_only in marked:
            KpiMark.objects.update_or_create(
                process_id=process_id, local_date=day, defaults={"marked_at": django_now(), "fcr_only": fcr_only}
            )

    done = {}

    def work():
        done.update(engine.recompute_marked())

    result = alternate(variants, args.inc_repeat, prepare, work, "incremental")
    info = {"imported_rows": added["rows"], "import_s": added["seconds"], "marks": len(marked)}
    return result, {**info, **{f"last_run_{k}": v for k, v in done.items()}}, marked


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the full recompute")
    parser.add_argument("--inc-repeat", type=int, default=5, help="rounds of the incremental recompute")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/bpo_bench_iv")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bpo-bench"))
    parser.add_argument("--variants", default="with,without,temp")
    parser.add_argument("--keep", action="store_true", help="leave the database for inspection")
    parser.add_argument("--build-only", action="store_true", help="only build the database (kept)")
    parser.add_argument("--reuse", action="store_true", help="use the --pg database of a --build-only run")
    parser.add_argument("--out", default=None, help="base name under bench/results/ (.json and .txt)")
    args = parser.parse_args()
    variants = args.variants.split(",")
    args.cache.mkdir(parents=True, exist_ok=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores",
        "rows": args.rows,
        "processes": PROCESSES,
        "load_before": os.getloadavg(),
    }
    # BENCH_COMMIT: the commit of a tree exported without .git (git archive) to measure it alone.
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    results["commit"] = os.environ.get("BENCH_COMMIT") or commit.stdout.strip()
    print(f"interval history bench: {args.rows:,} rows, {PROCESSES} processes, variants {variants}", flush=True)
    if args.reuse:
        results["load"] = {"reused": args.pg}
    else:
        results["load"] = build(args.pg, args.rows, args.cache)
        if args.build_only:
            return
    django_setup(args.pg)
    from django.db import connection

    from processes.models import KpiMark
    from reporting import engine

    try:
        if args.reuse:
            remove_extra_day(args.rows)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE processes_interaction")
            cursor.execute("SELECT sum(duration_seconds) FROM processes_interaction")  # warm the cache
        # Untimed: both tables filled once, so every timed run deletes and rewrites the same rows.
        started = time.perf_counter()
        KpiMark.objects.all().delete()
        engine.recompute_all()
        results["warm_up_full_s"] = time.perf_counter() - started
        print(f"  warm-up full recompute (with): {results['warm_up_full_s']:.1f} s", flush=True)
        results["full"] = full_phase(variants, args.repeat)
        results["incremental"], results["incremental_info"], marked = incremental_phase(args, variants)
        # The check is of the engine as committed: one more full recompute with it, untimed.
        KpiMark.objects.all().delete()
        engine.recompute_all()
        bad, groups = mismatching_groups()
        results["check"] = {"mismatching_groups": bad, "groups": groups}
        print(f"  check: {bad} of {groups} (process, local_date) groups differ", flush=True)
        results["explain"] = explain_both(marked)
        results["table_rows"] = table_rows()
        candidates = [v for v in variants if v not in ("with", "without")]
        if candidates:
            results["candidate_checks"] = candidate_checks(candidates)
        if SINGLE_STEPS:
            results["single_steps"] = SINGLE_STEPS
        if "stats" in variants:
            results["stats_plan"] = stats_plan()
    finally:
        results["load_after"] = os.getloadavg()
        with connection.cursor() as cursor:
            _stats_off(cursor)
            for table in _REFERENCE.values():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        connection.close()
        if not args.keep:
            psql(args.pg, f"DROP DATABASE IF EXISTS {args.pg.rsplit('/', 1)[1]}")
    write(results, args.out or f"interval_bench-{results['date']}")


_REFERENCE = {"reporting_dailykpi": "bench_ref_daily", "reporting_intervalkpi": "bench_ref_intervals"}


def _keys(table: str) -> list[str]:
    if table == "reporting_dailykpi":
        return ["process_id", "client_id", "local_date", "agent_id", "team_id"]
    return ["process_id", "local_date", "interval_start"]


def differing_rows(table: str) -> dict:
    """Rows of `table` that differ from its reference copy (written by the engine as committed):
    missing on either side, any integer component different, or a float component (wait_seconds,
    qa_sum) off by more than 1e-9 relative; and the largest relative float difference."""
    from django.db import connection

    from reporting import engine

    columns = engine._columns() if table == "reporting_dailykpi" else engine._interval_columns()
    keys = _keys(table)
    values = [c for c in columns if c not in keys and c != "computed_at"]
    floats = [c for c in values if c in ("wait_seconds", "qa_sum")]
    exact = [c for c in values if c not in floats]
    nullable = {"client_id", "agent_id", "team_id"}  # (IS NOT DISTINCT FROM cannot FULL JOIN)
    join = " AND ".join(f"COALESCE(a.{k}, 0) = COALESCE(b.{k}, 0)" if k in nullable else f"a.{k} = b.{k}" for k in keys)
    differs = " OR ".join(
        [f"a.{c} IS DISTINCT FROM b.{c}" for c in exact]
        + [f"abs(a.{c} - b.{c}) > 1e-9 * greatest(1, abs(b.{c}))" for c in floats]
    )
    relative = ", ".join(f"coalesce(abs(a.{c} - b.{c}) / nullif(abs(b.{c}), 0), 0)" for c in floats)
    sql = (
        f"SELECT count(*) FILTER (WHERE a.process_id IS NULL OR b.process_id IS NULL OR {differs}),"
        f" count(*), max(greatest({relative})) FROM {table} a FULL JOIN {_REFERENCE[table]} b ON {join}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        bad, total, worst = cursor.fetchone()
    return {"differing_rows": bad, "rows": total, "max_relative_float_difference": worst}


def candidate_checks(candidates: list[str]) -> dict:
    """The tables as the engine as committed wrote them (the full recompute just before) copied
    aside; then per candidate one more full recompute with it (untimed): the interval-equals-daily
    check, and every row compared with the copy."""
    from django.db import connection

    from processes.models import KpiMark
    from reporting import engine

    with connection.cursor() as cursor:
        for table, copy in _REFERENCE.items():
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {table}")
    out = {}
    for variant in candidates:
        KpiMark.objects.all().delete()
        seconds = timed(variant, engine.recompute_all)
        bad, groups = mismatching_groups()
        out[variant] = {
            "seconds": round(seconds, 2),
            "mismatching_groups": bad,
            "groups": groups,
            **{table: differing_rows(table) for table in _REFERENCE},
        }
        print(f"  check {variant}: {out[variant]}", flush=True)
    KpiMark.objects.all().delete()
    engine.recompute_all()  # leave the tables as the committed engine writes them
    return out


def stats_plan() -> str:
    """EXPLAIN (no ANALYZE) of the engine's interval SELECT, full range, with the statistics of
    candidate "stats" in place."""
    from django.db import connection
    from django.utils import timezone

    from reporting import engine

    params = engine._params(END - timedelta(days=DAYS + 1), END + timedelta(days=2), timezone.now())
    with connection.cursor() as cursor:
        _stats_on(cursor)
        try:
            cursor.execute(f"EXPLAIN {engine._interval_select_sql(engine._ALL_PROCESSES)}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            _stats_off(cursor)


def explain_both(marked) -> dict:
    from django.utils import timezone

    from reporting import engine

    computed_at = timezone.now()
    full_params = engine._params(END - timedelta(days=DAYS + 1), END + timedelta(days=2), computed_at)
    params = {"computed_at": computed_at}
    days = {}
    for process_id, day, fcr_only in marked:
        if not fcr_only:
            days.setdefault(process_id, []).append(day)
    where = engine._days_condition(days, params)
    return {
        "full": explain(engine._ALL_PROCESSES, full_params, incremental=False),
        "incremental": explain(where, params, incremental=True),
    }


def table_rows() -> dict:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in ("processes_interaction", "reporting_dailykpi", "reporting_intervalkpi"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def write(results: dict, base: str) -> None:
    lines = [
        f"interval_bench {results['date']} at {results['commit']}: {results['rows']:,} interactions, "
        f"{results['processes']} processes, {results['machine']}; load {results['load_before'][0]:.2f} before, "
        f"{results['load_after'][0]:.2f} after",
        f"table rows: {results.get('table_rows')}",
    ]
    for phase in ("full", "incremental"):
        if phase not in results:
            continue
        lines.append(f"\n{phase} recompute (seconds; same run, variants alternating)")
        lines.append("| variant | median | min | overhead (median) | overhead (min) | samples |")
        lines.append("|---|---:|---:|---:|---:|---|")
        for v, row in results[phase].items():
            over = (
                f"{row['overhead_median_pct']:+.1f} % | {row['overhead_min_pct']:+.1f} %"
                if "overhead_median_pct" in row
                else "— | —"
            )
            samples = ", ".join(f"{s:.2f}" for s in row["samples_s"])
            lines.append(f"| {v} | {row['median_s']:.2f} | {row['min_s']:.2f} | {over} | {samples} |")
    if "incremental_info" in results:
        lines.append(f"\nincremental: {results['incremental_info']}")
    if "check" in results:
        lines.append(f"\ncorrectness: {results['check']['mismatching_groups']} mismatching (process, local_date) "
                     f"groups of {results['check']['groups']} ({', '.join(COMPARED)})")  # fmt: skip
    for variant, row in results.get("candidate_checks", {}).items():
        lines.append(f"\ncandidate {variant}, one more full recompute ({row['seconds']:.1f} s): "
                     f"{row['mismatching_groups']} of {row['groups']} (process, local_date) groups differ (interval vs "
                     f"daily); against the committed engine's rows: {row['reporting_dailykpi']} daily, "
                     f"{row['reporting_intervalkpi']} interval")  # fmt: skip
    if results.get("single_steps"):
        lines.append("\ncandidate single, seconds per statement (every call; full then incremental):")
        lines += [f"  {step}" for step in results["single_steps"]]
    if results.get("stats_plan"):
        lines.append(f"\ncandidate stats: EXPLAIN of the interval SELECT (full) with the statistics:\n"
                     f"{results['stats_plan']}")  # fmt: skip
    for phase, plans in results.get("explain", {}).items():
        for label, plan in plans.items():
            lines.append(f"\nEXPLAIN (ANALYZE, BUFFERS), {phase}, {label}:\n{plan}")
    text = "\n".join(lines) + "\n"
    print(text)
    out = BENCH / "results"
    (out / f"{base}.json").write_text(json.dumps(results, indent=2, default=str))
    (out / f"{base}.txt").write_text(text)
    print(f"written to {out / base}.json and .txt")


if __name__ == "__main__":
    main()
