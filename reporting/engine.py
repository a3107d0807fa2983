"""The KPI engine: recompute the stored components of (process, local day) pairs.

Aggregation is one set-based INSERT … SELECT … GROUP BY per run of consecutive days, built from
the definitions in reporting/kpis.py. Each (process, days) rewrite deletes and re-inserts inside
one transaction (serialised per process on PostgreSQL by an advisory lock), so running twice,
concurrently, or being killed midway always leaves the table right.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from processes.models import Interaction, Process
from reporting.kpis import component_sql
from reporting.marks import refresh_repeat_flags
from reporting.models import KpiMark

log = logging.getLogger(__name__)
_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, process id)


def _insert_sql(where: str) -> str:
    components = component_sql("i", "p")
    return (
        "INSERT INTO reporting_dailykpi (process_id, client_id, local_date, agent_id, team_id, "
        f"{', '.join(components)}, qa_count, qa_sum, computed_at) "
        "SELECT i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id, "
        f"{', '.join(components.values())}, 0, 0, %(computed_at)s "
        "FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id "
        f"WHERE {where} "
        "GROUP BY i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id"
    )


_ONE_PROCESS = "i.process_id = %(process)s AND i.local_date BETWEEN %(start)s AND %(end)s"
_ALL_PROCESSES = "i.local_date BETWEEN %(start)s AND %(end)s"


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of days as (first, last) pairs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _lock(cursor, process: Process) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, process.pk])


def _fault_pause() -> None:
    """Fault injection for the "worker killed mid-recompute" test: with
    BPO_FAULT_PAUSE_IN_RECOMPUTE=<seconds> the engine waits between its delete and its insert,
    so the test can kill the worker there. Unset in normal use."""
    pause = os.environ.get("BPO_FAULT_PAUSE_IN_RECOMPUTE")
    if pause:
        time.sleep(float(pause))


def _params(process: Process | None, start: date, end: date, computed_at) -> dict:
    ops = connection.ops
    return {
        "process": process.pk if process else None,
        "start": ops.adapt_datefield_value(start),
        "end": ops.adapt_datefield_value(end),
        "computed_at": ops.adapt_datetimefield_value(computed_at),
    }


def recompute_days(process: Process, days: list[date]) -> int:
    """Rewrite the components of `process` for `days` from its interactions. Returns the number
    of component rows written."""
    written = 0
    computed_at = timezone.now()
    sql = _insert_sql(_ONE_PROCESS)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, process)
        for start, end in _runs(days):
            params = _params(process, start, end, computed_at)
            cursor.execute(
                "DELETE FROM reporting_dailykpi WHERE process_id = %(process)s"
                " AND local_date BETWEEN %(start)s AND %(end)s",
                params,
            )
            _fault_pause()
            cursor.execute(sql, params)
            written += cursor.rowcount
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
                from reporting.models import DailyKpi

                DailyKpi.objects.filter(process=process).delete()
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
    for mark_id, marked_at in marks:
        KpiMark.objects.filter(pk=mark_id, marked_at=marked_at).delete()


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
    sql = _insert_sql(_ALL_PROCESSES)
    process_ids = sorted(Process.objects.values_list("pk", flat=True))
    written = 0
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=chunk_days - 1))
        params = _params(None, day, last, timezone.now())
        marks = _marks_read(KpiMark.objects.filter(local_date__range=(day, last)))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for process_id in process_ids:  # in id order: no deadlock with per-process runs
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, process_id])
            cursor.execute("DELETE FROM reporting_dailykpi WHERE local_date BETWEEN %(start)s AND %(end)s", params)
            _fault_pause()
            cursor.execute(sql, params)
            written += cursor.rowcount
            _marks_consume(marks)
        day = last + timedelta(days=1)
    return written


def recompute_marked(process_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute every marked (process, day), one process at a time, and clear the marks that
    were covered. A mark renewed by an import while this ran keeps its new `marked_at` and
    survives, so the next run picks it up."""
    marks = KpiMark.objects.all()
    if process_ids:
        marks = marks.filter(process_id__in=process_ids)
    by_process: dict[int, list[tuple[int, date, object]]] = {}
    for mark_id, process_id, day, marked_at in marks.values_list("id", "process_id", "local_date", "marked_at"):
        by_process.setdefault(process_id, []).append((mark_id, day, marked_at))
    done = {"processes": 0, "days": 0, "rows": 0}
    for process in Process.objects.filter(pk__in=by_process):
        entries = by_process[process.pk]
        with transaction.atomic():
            done["rows"] += recompute_days(process, [day for _, day, _ in entries])
            _marks_consume([(mark_id, marked_at) for mark_id, _, marked_at in entries])
        done["processes"] += 1
        done["days"] += len(entries)
    if done["days"]:
        log.info("recomputed %(days)s marked day(s) of %(processes)s process(es)", done)
    return done
