"""Marks: which (process, local day) pairs need their KPI components recomputed.

Marks are rows in the database, written in the same transaction as the change that causes
them, so a change can never be "lost" because a broker was down: the periodic sweep finds them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone


def affected_days(day: date, fcr_window_days: int) -> list[date]:
    """The days whose figures an interaction arriving on local `day` can change: its own, and
    the earlier days whose FCR window reaches it (one extra day covers DST-shortened days)."""
    return [day - timedelta(days=offset) for offset in range(fcr_window_days + 1, -1, -1)]


def upsert_marks(cursor, pairs: set[tuple[int, date]], now: datetime) -> int:
    """Mark (process_id, day) pairs; an existing mark gets a new `marked_at`, so a recompute
    already running does not delete it (it may not have seen the change)."""
    if not pairs:
        return 0
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [(process_id, connection.ops.adapt_datefield_value(day), stamp) for process_id, day in sorted(pairs)]
    cursor.executemany(
        "INSERT INTO reporting_kpimark (process_id, local_date, marked_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (process_id, local_date) DO UPDATE SET marked_at = excluded.marked_at",
        rows,
    )
    return len(rows)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def mark_days_for_import(cursor, staging: str, now: datetime) -> tuple[set[int], int]:
    """Mark every day an import can change: the new rows' days, the old days of rows it moves,
    and the earlier days whose FCR window reaches either. Returns (process ids, marks written)."""
    from processes.models import Process

    cursor.execute(f"SELECT DISTINCT process_id, local_date FROM {staging}")
    days = {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    cursor.execute(
        f"SELECT DISTINCT i.process_id, i.local_date FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id WHERE i.local_date <> s.local_date"
    )
    days |= {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    process_ids = {pid for pid, _ in days}
    windows = dict(Process.objects.filter(pk__in=process_ids).values_list("pk", "fcr_window_days"))
    pairs = {(pid, affected) for pid, day in days for affected in affected_days(day, windows[pid])}
    return process_ids, upsert_marks(cursor, pairs, now)


def mark_all_days(process) -> int:
    """Mark every day that has interactions of `process` (after its KPI settings change)."""
    from processes.models import Interaction

    days = Interaction.objects.filter(process=process).values_list("local_date", flat=True).distinct()
    with connection.cursor() as cursor:
        return upsert_marks(cursor, {(process.pk, day) for day in days}, timezone.now())
