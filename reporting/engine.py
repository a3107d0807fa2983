"""The KPI engine: recompute the stored components of (process, local day) pairs.

Aggregation is one set-based SELECT … GROUP BY over the days to rewrite (all marked days of
many processes at once), built from the definitions in reporting/kpis.py. Each rewrite deletes
and re-inserts inside one transaction (serialised per process on PostgreSQL by an advisory lock),
so running twice, concurrently, or being killed midway always leaves the table right.
"""

from __future__ import annotations

import logging
import os
import re
import time
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from processes.ledger import day_runs, refresh_repeat_flags
from processes.models import Interaction, KpiMark, Process
from processes.open_time import refresh_days as refresh_open_seconds
from processes.open_time import refresh_range as refresh_open_seconds_range
from quality.components import qa_component_sql
from reporting.kpis import component_sql
from reporting.models import DailyKpi, IntervalKpi

log = logging.getLogger(__name__)
_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, process id)


def _columns() -> list[str]:
    return ["process_id", "client_id", "local_date", "agent_id", "team_id", *component_sql("i", "p"), "qa_count",
            "qa_sum", "computed_at"]  # fmt: skip


def _select_sql(where: str) -> str:
    """The components of the interactions matching `where`, one row per (process, day, agent, team),
    in the column order of `_columns()`; the QA components of their current evaluations joined on
    the same key (quality.components.qa_component_sql)."""
    components = component_sql("i", "p")
    interactions = (
        "SELECT i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id, "
        f"{', '.join(f'{sql} AS {name}' for name, sql in components.items())} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        f"WHERE {where} "
        "GROUP BY i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id"
    )
    return (
        "SELECT g.process_id, g.client_id, g.local_date, g.agent_id, g.team_id, "
        f"{', '.join(f'g.{name}' for name in components)}, "
        "COALESCE(q.qa_count, 0) AS qa_count, COALESCE(q.qa_sum, 0) AS qa_sum, %(computed_at)s AS computed_at "
        f"FROM ({interactions}) g LEFT JOIN ({qa_component_sql(where)}) q"
        " ON q.process_id = g.process_id AND q.local_date = g.local_date"
        " AND COALESCE(q.agent_id, 0) = COALESCE(g.agent_id, 0) AND COALESCE(q.team_id, 0) = COALESCE(g.team_id, 0)"
    )


# The interval history (WFM.md): the queue components, per (process, local day, UTC 15-minute
# interval), for the same rows and in the same transaction as the daily ones.
INTERVAL_COMPONENTS = ("offered", "received", "short_abandoned", "abandoned", "answered", "answered_within",
                       "abandoned_within", "handled", "handle_seconds", "wait_seconds", "sl_numerator",
                       "sl_denominator")  # fmt: skip
INTERVAL_SECONDS = 900


def _interval_start_sql(bucket: str) -> str:
    """The start of UTC 15-minute interval number `bucket` (arrived_us ÷ 900 s), as the database
    stores a datetime (PostgreSQL timestamptz; SQLite the text Django writes)."""
    if connection.vendor == "postgresql":
        return f"to_timestamp({bucket} * {INTERVAL_SECONDS})"
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%S', {bucket} * {INTERVAL_SECONDS}, 'unixepoch')"


def _interval_columns() -> list[str]:
    return ["process_id", "local_date", "interval_start", *INTERVAL_COMPONENTS, "computed_at"]


def _interval_select_sql(where: str) -> str:
    """The interval components of the interactions matching `where`, grouped by the integer
    interval number (grouping by the converted timestamp made PostgreSQL expect one group per
    row and sort 10M rows on disk: 50 s instead of about the daily statement's time)."""
    components = component_sql("i", "p")
    bucket = f"i.arrived_us / {INTERVAL_SECONDS * 1_000_000}"
    return (
        f"SELECT g.process_id, g.local_date, {_interval_start_sql('g.bucket')} AS interval_start, "
        f"{', '.join(f'g.{name}' for name in INTERVAL_COMPONENTS)}, %(computed_at)s AS computed_at FROM ("
        f"SELECT i.process_id, i.local_date, {bucket} AS bucket, "
        f"{', '.join(f'{components[name]} AS {name}' for name in INTERVAL_COMPONENTS)} "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        f"WHERE {where} GROUP BY i.process_id, i.local_date, {bucket}) g"
    )


_FRESH_INTERVALS = "kpi_fresh_intervals"


def _rewrite_intervals(cursor, where: str, params: dict) -> int:
    """Replace the interval history of the (process, day) pairs selected by `where`, in the
    caller's transaction (the same one as the daily components). On PostgreSQL the aggregation
    runs as CREATE TEMP TABLE … AS (a parallel plan; INSERT … SELECT never is), as in `_rewrite`."""
    columns = ", ".join(_interval_columns())
    if connection.vendor == "postgresql":
        cursor.execute(f"DROP TABLE IF EXISTS {_FRESH_INTERVALS}")
        cursor.execute(f"CREATE TEMP TABLE {_FRESH_INTERVALS} ON COMMIT DROP AS {_interval_select_sql(where)}", params)
        cursor.execute(f"DELETE FROM reporting_intervalkpi AS i WHERE {where}", params)
        cursor.execute(f"INSERT INTO reporting_intervalkpi ({columns}) SELECT * FROM {_FRESH_INTERVALS}")
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {_FRESH_INTERVALS}")
        return written
    cursor.execute(f"DELETE FROM reporting_intervalkpi AS i WHERE {where}", params)
    cursor.execute(f"INSERT INTO reporting_intervalkpi ({columns}) {_interval_select_sql(where)}", params)
    return cursor.rowcount


_FRESH = "kpi_fresh"


def _rewrite(cursor, where: str, params: dict) -> int:
    """Replace the stored components of the (process, day) pairs selected by `where` (over
    interactions `i`; the same condition, on `reporting_dailykpi`, selects what is deleted) with
    freshly computed ones, in the caller's transaction. Returns the rows written.

    On PostgreSQL the aggregation runs as CREATE TEMP TABLE … AS SELECT, which the planner
    parallelises (PostgreSQL 15 never parallelises INSERT … SELECT); the few result rows are then
    copied into the table. The delete and the insert are in the same transaction either way, so a
    run killed midway leaves the old rows.
    """
    columns = ", ".join(_columns())
    delete = f"DELETE FROM reporting_dailykpi AS i WHERE {where}"
    if connection.vendor == "postgresql":
        cursor.execute(f"DROP TABLE IF EXISTS {_FRESH}")
        cursor.execute(f"CREATE TEMP TABLE {_FRESH} ON COMMIT DROP AS {_select_sql(where)}", params)
        cursor.execute(delete, params)
        _fault_pause()
        cursor.execute(f"INSERT INTO reporting_dailykpi ({columns}) SELECT * FROM {_FRESH}")
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {_FRESH}")
        _rewrite_intervals(cursor, where, params)
        return written
    cursor.execute(delete, params)
    _fault_pause()
    cursor.execute(f"INSERT INTO reporting_dailykpi ({columns}) {_select_sql(where)}", params)
    written = cursor.rowcount
    _rewrite_intervals(cursor, where, params)
    return written


_FCR = "kpi_fcr"


def _rewrite_fcr(cursor, where: str, params: dict) -> int:
    """Rewrite only `fcr_resolved` of the (process, day) pairs selected by `where`, for days whose
    only change is flipped repeat-contact flags (FCR-only marks), in the caller's transaction.

    A flag flip moves one eligible interaction between resolved and not resolved within its own
    (process, day, agent, team) group: `fcr_eligible` and every other component stay as they were.
    So the resolved count is aggregated alone (two of the ~20 expressions of a full rewrite, over
    the eligible groups) and written over the stored rows joined on their unique key. If the stored
    rows do not match — a group with eligible interactions and no row, or a different eligible
    count: the day changed in some other way — the days are rewritten in full instead. Returns the
    rows written.
    """
    components = component_sql("i", "p")
    eligible, resolved = components["fcr_eligible"], components["fcr_resolved"]
    # The process's settings only when the FCR expressions use them (they do not today: a
    # quarter of the statement's time went into that join).
    join = " JOIN processes_process p ON p.id = i.process_id" if re.search(r"\bp\.", eligible + resolved) else ""
    postgres = connection.vendor == "postgresql"
    cursor.execute(f"DROP TABLE IF EXISTS {_FCR}")
    cursor.execute(
        f"CREATE TEMP TABLE {_FCR}{' ON COMMIT DROP' if postgres else ''} AS"
        " SELECT i.process_id, i.local_date, i.agent_id, i.team_id,"
        f" {eligible} AS fcr_eligible, {resolved} AS fcr_resolved"
        f" FROM processes_interaction i{join} WHERE {where}"
        f" GROUP BY i.process_id, i.local_date, i.agent_id, i.team_id HAVING {eligible} > 0",
        params,
    )
    cursor.execute(f"SELECT COUNT(*) FROM {_FCR}")
    groups = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM reporting_dailykpi i WHERE {where} AND i.fcr_eligible > 0", params)
    stored = cursor.fetchone()[0]
    cursor.execute(
        f"UPDATE reporting_dailykpi SET fcr_resolved = f.fcr_resolved, computed_at = %(computed_at)s FROM {_FCR} f"
        " WHERE reporting_dailykpi.process_id = f.process_id AND reporting_dailykpi.local_date = f.local_date"
        " AND COALESCE(reporting_dailykpi.agent_id, 0) = COALESCE(f.agent_id, 0)"
        " AND COALESCE(reporting_dailykpi.team_id, 0) = COALESCE(f.team_id, 0)"
        " AND reporting_dailykpi.fcr_eligible = f.fcr_eligible",
        params,
    )
    written = cursor.rowcount
    cursor.execute(f"DROP TABLE {_FCR}")
    if written == groups == stored:
        return written
    log.warning("FCR-only days did not match their stored components (%s/%s/%s): rewritten in full",
                written, groups, stored)  # fmt: skip
    return _rewrite(cursor, where, params)


_MAX_RUNS_PER_STATEMENT = 200
_ALL_PROCESSES = "i.local_date BETWEEN %(start)s AND %(end)s"


def _fault_pause() -> None:
    """Fault injection for the "worker killed mid-recompute" test: with
    BPO_FAULT_PAUSE_IN_RECOMPUTE=<seconds> the engine waits between its delete and its insert,
    so the test can kill the worker there. Unset in normal use."""
    pause = os.environ.get("BPO_FAULT_PAUSE_IN_RECOMPUTE")
    if pause:
        time.sleep(float(pause))


def _params(start: date, end: date, computed_at) -> dict:
    ops = connection.ops
    return {
        "start": ops.adapt_datefield_value(start),
        "end": ops.adapt_datefield_value(end),
        "computed_at": ops.adapt_datetimefield_value(computed_at),
    }


def recompute_days(process: Process, days: list[date]) -> int:
    """Rewrite the components of `process` for `days` from its interactions. Returns the number
    of component rows written."""
    return recompute_process_days({process.pk: days})


def _days_condition(days_by_process: dict[int, list[date]], params: dict) -> str:
    """SQL over alias `i` selecting the given days of each process, by runs of consecutive days
    (each an index range on (process, local_date)); fills `params`."""
    ops = connection.ops
    terms = []
    for process_id in sorted(days_by_process):
        for start, end in day_runs(days_by_process[process_id]):
            n = len(params)
            params[f"p{n}"] = process_id
            params[f"s{n}"] = ops.adapt_datefield_value(start)
            params[f"e{n}"] = ops.adapt_datefield_value(end)
            if start == end:
                terms.append(f"(i.process_id = %(p{n})s AND i.local_date = %(s{n})s)")
            else:
                terms.append(f"(i.process_id = %(p{n})s AND i.local_date BETWEEN %(s{n})s AND %(e{n})s)")
    return "(" + " OR ".join(terms) + ")"


def recompute_process_days(
    days_by_process: dict[int, list[date]], fcr_days_by_process: dict[int, list[date]] | None = None
) -> int:
    """Rewrite the components of the given days of several processes with one statement, in one
    transaction (on PostgreSQL under each process's advisory lock, taken in id order); for the
    days of `fcr_days_by_process` (FCR-only marks) only `fcr_resolved` (see `_rewrite_fcr`).
    Returns the number of component rows written."""
    days_by_process = {pid: days for pid, days in days_by_process.items() if days}
    fcr_days_by_process = {pid: days for pid, days in (fcr_days_by_process or {}).items() if days}
    if not days_by_process and not fcr_days_by_process:
        return 0
    computed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for process_id in sorted({*days_by_process, *fcr_days_by_process}):  # in id order: no deadlock
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, process_id])
            # The days of a few processes are a fraction of the table, but their cost estimate
            # passes the JIT thresholds: compiling the ~20 aggregates took longer than running
            # them (EXPLAIN ANALYZE, 80 days of 10M rows). Full recomputes keep the default.
            cursor.execute("SET LOCAL jit = off")
            # The grouping sorts ~100,000 rows per marked day set: with the default 4 MB of
            # work_mem they spilled to disk (external merge, a third of the statement's time).
            cursor.execute("SET LOCAL work_mem = '64MB'")
        if days_by_process:
            refresh_open_seconds(days_by_process)  # TAT's open time by the service calendars first
            params = {"computed_at": computed_at}
            written += _rewrite(cursor, _days_condition(days_by_process, params), params)
        if fcr_days_by_process:
            params = {"computed_at": computed_at}
            written += _rewrite_fcr(cursor, _days_condition(fcr_days_by_process, params), params)
    return written


def recompute_range(
    process: Process, start: date | None = None, end: date | None = None, *, chunk_days=92, refresh_flags=False
) -> int:
    """Full recompute of `process` over [start, end] (default: every day it has interactions), in
    chunks of days, each chunk its own transaction. The repeat-contact flags are kept right by
    imports and setting changes; `refresh_flags` re-evaluates them all first (a repair)."""
    if refresh_flags:
        refresh_repeat_flags(process)
    if start is None or end is None:
        bounds = Interaction.objects.filter(process=process).aggregate(first=Min("local_date"), last=Max("local_date"))
        if bounds["first"] is None:
            with transaction.atomic():
                DailyKpi.objects.filter(process=process).delete()
                IntervalKpi.objects.filter(process=process).delete()
            return 0
        start = start or bounds["first"]
        end = end or bounds["last"]
    written = 0
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=chunk_days - 1))
        marks = _marks_read(KpiMark.objects.filter(process=process, local_date__range=(day, last)))
        with transaction.atomic():
            written += recompute_days(process, [day + timedelta(days=n) for n in range((last - day).days + 1)])
            _marks_consume(marks)
        day = last + timedelta(days=1)
    return written


def _marks_read(marks) -> list[tuple[int, object]]:
    return list(marks.values_list("id", "marked_at"))


def _marks_consume(marks: list[tuple[int, object]]) -> None:
    """Delete the marks a recompute covered, exactly as they were read before it: a mark renewed
    (new marked_at) or created meanwhile stays for the next run."""
    for first in range(0, len(marks), 500):
        batch = marks[first : first + 500]
        KpiMark.objects.filter(reduce(or_, (Q(pk=mark_id, marked_at=at) for mark_id, at in batch))).delete()


def recompute_all(start: date | None = None, end: date | None = None, *, chunk_days=366, refresh_flags=False) -> int:
    """Full recompute of every process over [start, end] (default: all days with interactions), one
    set-based statement per chunk of days, each chunk its own transaction; `refresh_flags` first
    re-evaluates every repeat-contact flag (a repair)."""
    if refresh_flags:
        refresh_repeat_flags()
    bounds = Interaction.objects.aggregate(first=Min("local_date"), last=Max("local_date"))
    if bounds["first"] is None:
        return 0
    start, end = start or bounds["first"], end or bounds["last"]
    process_ids = sorted(Process.objects.values_list("pk", flat=True))
    written = 0
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=chunk_days - 1))
        params = _params(day, last, timezone.now())
        marks = _marks_read(KpiMark.objects.filter(local_date__range=(day, last)))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for process_id in process_ids:  # in id order: no deadlock with per-process runs
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, process_id])
            refresh_open_seconds_range(day, last)  # TAT's open time by the service calendars first
            written += _rewrite(cursor, _ALL_PROCESSES, params)
            _marks_consume(marks)
        day = last + timedelta(days=1)
    return written


def recompute_marked(process_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute every marked (process, day) and clear the marks that were covered: days with a
    full mark in full, days with only an FCR-only mark (flipped repeat-contact flags) by rewriting
    `fcr_resolved` alone. A mark renewed by an import while this ran keeps its new `marked_at` and
    survives, so the next run picks it up."""
    marks = KpiMark.objects.all()
    if process_ids:
        marks = marks.filter(process_id__in=process_ids)
    by_process: dict[int, list[tuple[int, date, object, bool]]] = {}
    for mark_id, process_id, day, marked_at, fcr_only in marks.values_list(
        "id", "process_id", "local_date", "marked_at", "fcr_only"
    ):
        by_process.setdefault(process_id, []).append((mark_id, day, marked_at, fcr_only))
    done = {"processes": 0, "days": 0, "fcr_only_days": 0, "rows": 0}
    # Every marked day of every process in one statement (a parallel scan on PostgreSQL), in
    # batches of processes that keep the statement's list of day ranges short.
    batch: dict[int, list[date]] = {}
    fcr_batch: dict[int, list[date]] = {}
    batch_marks: list[tuple[int, object]] = []
    runs = 0
    process_ids = sorted(Process.objects.filter(pk__in=by_process).values_list("pk", flat=True))
    for position, process_id in enumerate(process_ids):
        entries = by_process[process_id]
        batch[process_id] = [day for _, day, _, fcr_only in entries if not fcr_only]
        fcr_batch[process_id] = [day for _, day, _, fcr_only in entries if fcr_only]
        batch_marks += [(mark_id, marked_at) for mark_id, _, marked_at, _ in entries]
        runs += len(day_runs(batch[process_id])) + len(day_runs(fcr_batch[process_id]))
        if runs >= _MAX_RUNS_PER_STATEMENT or position == len(process_ids) - 1:
            with transaction.atomic():
                done["rows"] += recompute_process_days(batch, fcr_batch)
                _marks_consume(batch_marks)
            done["processes"] += len(batch)
            done["days"] += len(batch_marks)
            done["fcr_only_days"] += sum(len(days) for days in fcr_batch.values())
            batch, fcr_batch, batch_marks, runs = {}, {}, [], 0
    if done["days"]:
        log.info("recomputed %(days)s marked day(s) (%(fcr_only_days)s FCR only) of %(processes)s process(es)", done)
    return done
