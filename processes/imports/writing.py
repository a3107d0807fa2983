"""The set-based end of every import, on a filled staging table and in the import's transaction:
duplicate external ids, the KPI marks and repeat-contact flags (through `marks`), the upsert into
the interaction table, and the per-process list of changed days for the report.

No import drops or rebuilds an index, nor takes a lock that stops readers (issue 14): an import
holds ROW EXCLUSIVE on the interaction table (what any INSERT or UPDATE takes), which conflicts
with no reader. An earlier bulk path (round 4 of docs/performance.md) dropped the unique key and
the day index of a table holding fewer rows than the import brought and built them after the
INSERT; it was faster (about 2 s per million rows) but needed ACCESS EXCLUSIVE until commit, and
every read of interactions waited for the rest of that import (up to 20 s measured).
"""

from __future__ import annotations

import operator
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from processes.imports import marks
from processes.imports.report import ImportFailed, ImportReport
from processes.imports.staging import STAGING_COLUMNS, Staging
from processes.models import Process

_UPDATE_COLUMNS = [c for c in STAGING_COLUMNS if c not in ("line", "process_id", "external_id")]


def _changed(stored: str, imported: str, distinct: str) -> str:
    """SQL: the imported values differ from the stored row's (NULL-safe). A row imported again
    unchanged keeps its `imported_at`, so importing a file twice leaves the table exactly as once."""
    old = ", ".join(f"{stored}.{c}" for c in _UPDATE_COLUMNS)
    new = ", ".join(f"{imported}.{c}" for c in _UPDATE_COLUMNS)
    return f"({old}) {distinct} ({new})"


def _find_duplicates(cursor, report: ImportReport) -> None:
    cursor.execute(
        f"SELECT s.line, s.external_id, f.first_line FROM {Staging.name} s JOIN ("
        f" SELECT process_id, external_id, MIN(line) AS first_line FROM {Staging.name}"
        " GROUP BY process_id, external_id HAVING COUNT(*) > 1) f"
        " ON f.process_id = s.process_id AND f.external_id = s.external_id"
        " WHERE s.line > f.first_line ORDER BY s.line"
    )
    for line, external_id, first_line in cursor.fetchall():
        report.add_error(line, "external_id", f"'{external_id}' already appears on line {first_line} for this process")


def _upsert(cursor, now: datetime, *, empty: bool = False) -> tuple[int, int]:
    """Insert new rows and update existing ones, each with the repeat-contact flag found by
    `marks.repeat_flags_evaluate`; returns (created, updated). `empty`: the interaction
    table is known to be empty and locked (PostgreSQL), so every row is inserted unchecked."""
    staging = Staging.name
    columns = [c for c in STAGING_COLUMNS if c != "line"]
    stamp = connection.ops.adapt_datetimefield_value(now)
    join, flag = marks.repeat_flag_join("s")
    if connection.vendor == "postgresql":
        # An UPDATE of the existing rows and a plain INSERT of the new ones cost much less than
        # INSERT ... ON CONFLICT; `_lock_processes` keeps other imports from racing the INSERT.
        # With the default 4 MB the hash of the flags (a million rows: 45 MB) spilled in batches,
        # and the staged rows with it: 2 s of 14 for a million rows. The sorts before run better
        # with the default (external merges here beat one large in-memory quicksort).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        assignments = ", ".join(f"{c} = s.{c}" for c in _UPDATE_COLUMNS)
        updated, new = 0, ""
        if not empty:
            cursor.execute(
                f"UPDATE processes_interaction i SET {assignments}, has_repeat = {flag},"
                f" imported_at = CASE WHEN {_changed('i', 's', 'IS DISTINCT FROM')} THEN %s ELSE i.imported_at END"
                f" FROM {staging} s {join} WHERE i.process_id = s.process_id AND i.external_id = s.external_id",
                [stamp],
            )
            updated = cursor.rowcount
            new = (
                " WHERE NOT EXISTS (SELECT 1 FROM processes_interaction i"
                " WHERE i.process_id = s.process_id AND i.external_id = s.external_id)"
            )
        cursor.execute(
            f"INSERT INTO processes_interaction ({', '.join(columns)}, has_repeat, imported_at)"
            f" SELECT {', '.join(f's.{c}' for c in columns)}, {flag}, %s FROM {staging} s {join}{new}",
            [stamp],
        )
        created = cursor.rowcount
        cursor.execute("RESET work_mem")
        return created, updated
    cursor.execute(
        f"SELECT COUNT(*) FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id"
    )
    updated = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM {staging}")
    total = cursor.fetchone()[0]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in _UPDATE_COLUMNS + ["has_repeat"])
    changed = _changed("processes_interaction", "excluded", "IS NOT")
    assignments += (
        f", imported_at = CASE WHEN {changed} THEN excluded.imported_at ELSE processes_interaction.imported_at END"
    )
    cursor.execute(
        f"INSERT INTO processes_interaction ({', '.join(columns)}, has_repeat, imported_at)"
        f" SELECT {', '.join(f's.{c}' for c in columns)}, {flag}, %s FROM {staging} s {join} WHERE true"
        f" ON CONFLICT (process_id, external_id) DO UPDATE SET {assignments}",
        [stamp],
    )
    return total - updated, updated


_IMPORT_LOCK_NAMESPACE = 7302  # pg_advisory_xact_lock(namespace, process id); the KPI engine uses 7301


def _lock_processes(cursor) -> list[int]:
    """Serialise imports per process until commit (PostgreSQL; in id order, so two imports cannot
    deadlock): the marks and the upsert then see every row another import committed. Returns the
    ids of the staged processes."""
    cursor.execute(
        f"SELECT process_id, pg_advisory_xact_lock({_IMPORT_LOCK_NAMESPACE}, process_id::integer)"
        f" FROM (SELECT DISTINCT process_id FROM {Staging.name} ORDER BY process_id) p"
    )
    return [process_id for process_id, _ in cursor.fetchall()]


def _processes_hold_no_rows(cursor, process_ids: list[int]) -> bool:
    """PostgreSQL, under `_lock_processes`: whether no interaction of the staged processes is stored
    yet (a first load, a new client's history). Then every staged row is new and the import skips
    the UPDATE and the search for stored keys; the unique key still guards the INSERT (a writer
    that bypassed the import's lock would make it fail, not write a second row)."""
    cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM processes_interaction WHERE process_id = ANY(%s))", [process_ids])
    return cursor.fetchone()[0]


class _RowsLeftOver(Exception):
    """Fewer rows written than staged: duplicate external ids, unless another writer interfered."""


def write_staged(cursor, report: ImportReport, now: datetime, staged: int, *, duplicates: bool = True) -> None:
    """The set-based end of every import, on a staging table of `staged` valid rows: duplicate
    external ids, KPI marks and the upsert, all in the caller's transaction."""
    if connection.vendor != "postgresql":
        if duplicates:
            _find_duplicates(cursor, report)
            if report.error_count:
                raise ImportFailed(report)
        report.process_ids, report.marked_days = marks.days_mark(cursor, Staging.name, now)
        marks.repeat_flags_evaluate(cursor, Staging.name)
        report.created, report.updated = _upsert(cursor, now)
        report.marked_days += marks.repeat_flags_refresh(cursor, now)
        record_changes(cursor, report, now, staged)
        return
    # On PostgreSQL the interaction table's unique key finds duplicates as the rows go in, which
    # costs nothing when there are none: two new rows with one key fail the INSERT, two rows for
    # an existing key update it once. Only then is the staging table searched for them.
    empty = _processes_hold_no_rows(cursor, _lock_processes(cursor))
    try:
        with transaction.atomic():
            process_ids, marked_days = marks.days_mark(cursor, Staging.name, now)
            marks.repeat_flags_evaluate(cursor, Staging.name)
            created, updated = _upsert(cursor, now, empty=empty)
            if created + updated != staged:
                raise _RowsLeftOver(f"{staged} rows staged, {created} created, {updated} updated")
            marked_days += marks.repeat_flags_refresh(cursor, now)
    except (IntegrityError, _RowsLeftOver):
        _find_duplicates(cursor, report)
        if not report.error_count:
            raise
        raise ImportFailed(report) from None
    report.process_ids, report.marked_days, report.created, report.updated = process_ids, marked_days, created, updated
    record_changes(cursor, report, now, staged)


MAX_LISTED_RANGES = 20  # per process in an import's list of changed days; the rest are counted


def record_changes(cursor, report: ImportReport, now: datetime, staged: int) -> None:
    """Fill `report.changes`: per process, the local days this import changed, read back from the
    KPI marks it just wrote (stamped `now`): the days of the imported rows, the old days of rows
    it moved, and the days whose repeat-contact flags it flipped. A read of the small marks table
    by its stamp, plus, only when the import spans several processes, one count of the staged rows
    per process: the import path itself is unchanged."""
    if not report.process_ids:
        return
    days: dict[int, list] = {}
    for pid, day in marks.changed_days(cursor, report.process_ids, now):
        days.setdefault(pid, []).append(day if not isinstance(day, str) else datetime.fromisoformat(day).date())
    if len(report.process_ids) == 1:
        rows = {next(iter(report.process_ids)): staged}
    else:
        cursor.execute(f"SELECT process_id, COUNT(*) FROM {Staging.name} GROUP BY process_id")
        rows = dict(cursor.fetchall())
    processes = (
        Process.objects.unscoped("the processes this import wrote to, each resolved in the caller's scope")
        .filter(pk__in=report.process_ids)
        .values_list("pk", "code", "timezone")
    )
    changes = []
    for pid, code, zone in processes:
        ranges: list[list] = []
        for day in days.get(pid, []):
            if ranges and (day - ranges[-1][1]).days == 1:
                ranges[-1][1] = day
            else:
                ranges.append([day, day])
        changes.append(
            {
                "process": code,
                "timezone": zone,
                "rows": rows.get(pid, 0),
                "days": len(days.get(pid, [])),
                "first": ranges[0][0].isoformat() if ranges else None,
                "last": ranges[-1][1].isoformat() if ranges else None,
                "span_days": (ranges[-1][1] - ranges[0][0]).days + 1 if ranges else 0,
                "ranges": [[a.isoformat(), b.isoformat()] for a, b in ranges[:MAX_LISTED_RANGES]],
                "more_ranges": max(0, len(ranges) - MAX_LISTED_RANGES),
            }
        )
    if len(changes) == 1:  # one process: the import's counts are its counts
        changes[0].update(created=report.created, updated=report.updated)
    report.changes = sorted(changes, key=operator.itemgetter("process"))
