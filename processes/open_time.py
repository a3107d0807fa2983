"""Keep `Interaction.open_seconds` right (KPIS.md, "Service calendars"): the open time of each
TAT item (handled email / back-office item with an end) of a process with a service calendar,
by that calendar in the process's time zone; NULL for every other interaction, so TAT uses
`duration_seconds` (processes.predicates.TAT_WITHIN).

The KPI engine calls `refresh_days` (the days it recomputes, in its transaction, before it
rewrites the components) and `refresh_range` (a full recompute of every process). Rows are read
in one pass, computed in Python with one CalendarSpec per calendar (its per-day tables cached),
and only the rows whose value changed are written back in chunks. These are the engine's reads:
every process's rows, deliberately across tenants.
"""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q

from calendars.models import Holiday, OpeningHours
from calendars.open_time import CalendarSpec
from processes import ledger, predicates
from processes.models import Interaction, Process

_WHY = "the KPI engine keeps the open time of every process's TAT items"
_CHUNK = 1000


def specs_by_process(process_ids=None) -> dict[int, tuple[CalendarSpec, ZoneInfo]]:
    """(spec, zone) of each process with a calendar (of `process_ids`, or all): three queries."""
    processes = Process.objects.unscoped(_WHY).filter(calendar__isnull=False)
    if process_ids is not None:
        processes = processes.filter(pk__in=list(process_ids))
    rows = list(processes.values_list("pk", "calendar_id", "timezone"))
    calendar_ids = {calendar_id for _, calendar_id, _ in rows}
    hours: dict[int, list] = {cid: [] for cid in calendar_ids}
    holidays: dict[int, list] = {cid: [] for cid in calendar_ids}
    for cid, *row in (
        OpeningHours.objects.unscoped(_WHY)
        .filter(calendar_id__in=calendar_ids)
        .values_list("calendar_id", "weekday", "start", "end")
    ):
        hours[cid].append(row)
    for cid, *row in (
        Holiday.objects.unscoped(_WHY)
        .filter(calendar_id__in=calendar_ids)
        .values_list("calendar_id", "date", "start", "end")
    ):
        holidays[cid].append(row)
    specs = {cid: CalendarSpec.build(hours[cid], holidays[cid]) for cid in calendar_ids}
    return {pid: (specs[cid], ZoneInfo(tz)) for pid, cid, tz in rows}


def _write(changes: list[tuple[int, float]]) -> None:
    with connection.cursor() as cursor:
        for first in range(0, len(changes), _CHUNK):
            chunk = changes[first : first + _CHUNK]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s, CAST(%s AS double precision))"] * len(chunk))
                sql = f"UPDATE processes_interaction AS t SET open_seconds = v.s FROM (VALUES {values}) AS v(id, s) WHERE t.id = v.id"  # noqa: S608, E501 - placeholders only
                cursor.execute(sql, [x for pk, seconds in chunk for x in (pk, seconds)])
            else:
                cursor.executemany(
                    "UPDATE processes_interaction SET open_seconds = %s WHERE id = %s",
                    [(seconds, pk) for pk, seconds in chunk],
                )


def _refresh(where: Q, process_ids=None) -> int:
    """Recompute open_seconds of the interactions selected by `where`; returns the rows changed."""
    rows = Interaction.objects.unscoped(_WHY).filter(where)
    # Not a TAT item, or of a process without a calendar: no open time.
    cleared = (
        rows.filter(open_seconds__isnull=False)
        .filter(Q(process__calendar__isnull=True) | ~predicates.TAT_ITEM.q())
        .update(open_seconds=None)
    )
    specs = specs_by_process(process_ids)
    if not specs:
        return cleared
    changes = []
    items = rows.filter(predicates.TAT_ITEM.q(), process_id__in=list(specs)).values_list(
        "pk", "process_id", "arrived_at", "ended_at", "open_seconds"
    )
    for pk, process_id, arrived_at, ended_at, stored in items.iterator(chunk_size=5000):
        spec, tz = specs[process_id]
        seconds = spec.open_seconds(arrived_at, ended_at, tz)
        if stored is None or abs(stored - seconds) > 1e-6:
            changes.append((pk, seconds))
    _write(changes)
    return cleared + len(changes)


def refresh_days(days_by_process: dict[int, list[date]]) -> int:
    """Recompute open_seconds of the TAT items of the given local days of each process."""
    terms = [
        Q(process_id=pid, local_date__range=run)
        for pid, days in sorted(days_by_process.items())
        for run in ledger.day_runs(days)
    ]
    if not terms:
        return 0
    return _refresh(reduce(or_, terms), [pid for pid, days in days_by_process.items() if days])


def refresh_range(start: date, end: date) -> int:
    """Recompute open_seconds of every process's TAT items arriving on local days start..end."""
    return _refresh(Q(local_date__range=(start, end)))


def refresh_processes(processes) -> int:
    """Recompute open_seconds on every day of the given processes (e.g. their calendar changed)."""
    ids = [p.pk for p in processes]
    if not ids:
        return 0
    return _refresh(Q(process_id__in=ids), ids)


def calendar_changed(calendar) -> None:
    """calendars.services.CALENDAR_CHANGED: mark every day of the processes naming `calendar`
    (the engine then recomputes their open time and components)."""
    processes = list(Process.objects.unscoped(_WHY).filter(calendar=calendar))
    for process in processes:
        ledger.mark_all_days(process)
    if processes:
        ledger.days_marked([process.pk for process in processes])
