"""Marks: which (process, local day) pairs need their KPI components recomputed.

Marks are rows in the database, written in the same transaction as the change that causes
them, so a change can never be "lost" because a broker was down: the periodic sweep finds them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone


def affected_days(day: date, fcr_window_days: int) -> list[date]:
    """The days whose figures an interaction arriving on local `day` can change, without looking
    at the data: its own, and the earlier days whose FCR window reaches it (one extra day covers
    DST-shortened days)."""
    return [day - timedelta(days=offset) for offset in range(fcr_window_days + 1, -1, -1)]


def upsert_marks(cursor, pairs: set[tuple[int, date]], now: datetime, *, fcr_only: bool = False) -> int:
    """Mark (process_id, day) pairs; an existing mark gets a new `marked_at`, so a recompute
    already running does not delete it (it may not have seen the change).

    `fcr_only` marks say that only repeat-contact flags of the day's interactions flipped (the
    engine then rewrites only `fcr_resolved`); a full mark wins: it clears `fcr_only` on an
    existing mark, and an FCR-only mark leaves an existing full mark full.
    """
    if not pairs:
        return 0
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [(process_id, connection.ops.adapt_datefield_value(day), stamp) for process_id, day in sorted(pairs)]
    kind = "true" if fcr_only else "false"
    keep = "reporting_kpimark.fcr_only" if fcr_only else "false"
    cursor.executemany(
        f"INSERT INTO reporting_kpimark (process_id, local_date, marked_at, fcr_only) VALUES (%s, %s, %s, {kind})"
        f" ON CONFLICT (process_id, local_date) DO UPDATE SET marked_at = excluded.marked_at, fcr_only = {keep}",
        rows,
    )
    return len(rows)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


_TOUCHED = "import_customers"


def mark_days_for_import(cursor, staging: str, now: datetime) -> tuple[set[int], int]:
    """Before the upsert: mark the days of the imported rows and the old days of rows the import
    moves, and remember which (process, customer) pairs it touches, old and new, with the span of
    their arrivals (for `refresh_repeat_flags_for_import`): only customers with stored contacts,
    the others have no stored flag to evaluate. Returns (process ids, marks written)."""
    cursor.execute(f"SELECT DISTINCT process_id, local_date FROM {staging}")
    days = {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    cursor.execute(
        f"SELECT DISTINCT i.process_id, i.local_date FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id WHERE i.local_date <> s.local_date"
    )
    days |= {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    cursor.execute(f"DROP TABLE IF EXISTS {_TOUCHED}")
    cursor.execute(
        f"CREATE TEMP TABLE {_TOUCHED} AS SELECT process_id, customer_ref, MIN(arrived_us) AS first_us,"
        " MAX(arrived_us) AS last_us FROM ("
        f" SELECT s.process_id, s.customer_ref, s.arrived_us FROM {staging} s WHERE s.customer_ref <> ''"
        # A customer without stored contacts has none whose flag could change (a first import).
        " AND EXISTS (SELECT 1 FROM processes_interaction o"
        " WHERE o.process_id = s.process_id AND o.customer_ref = s.customer_ref)"
        " UNION ALL"
        f" SELECT i.process_id, i.customer_ref, i.arrived_us FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id WHERE i.customer_ref <> ''"
        ") touched GROUP BY process_id, customer_ref"
    )
    return {pid for pid, _ in days}, upsert_marks(cursor, days, now)


def _flip_sql(where: str) -> str:
    """Flip `has_repeat` where it disagrees with the definition; returns the changed rows' days."""
    from reporting.kpis import repeat_contact_sql

    update = (
        "UPDATE processes_interaction SET has_repeat = NOT has_repeat WHERE id IN ("
        " SELECT i.id FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id"
        f" {where} AND i.has_repeat <> ({repeat_contact_sql('i', 'p')}))"
        " RETURNING process_id, local_date"
    )
    if connection.vendor == "postgresql":
        # Only the distinct days come back, however many rows flip: memory stays flat.
        return f"WITH flipped AS ({update}) SELECT DISTINCT process_id, local_date FROM flipped"
    return update


_FLAGS = "import_flags"


def evaluate_repeat_flags_for_import(cursor, staging: str) -> None:
    """Before the upsert: evaluate `has_repeat` (KPIS.md's repeat-contact rule, as
    `reporting.kpis.repeat_contact_sql` states it) for the imported rows and for the stored
    contacts of the customers the import touches, into the temp table `import_flags`.

    One sort instead of a lookup per row: over the imported rows and the stored rows of each
    touched (process, customer) whose arrival lies within the FCR window of the span of the
    touched arrivals (the stored versions of re-imported rows left out, their new versions in),
    a window function gives every row the next strictly later arrival that is not a short
    abandon; the row has a repeat when that is at most `fcr_window_days` × 86,400 s later. Every
    row that can have such a repeat among the changed rows is complete there; stored rows beyond
    the touched span only serve as later contacts and are flagged as not `settled`.
    """
    window = "p.fcr_window_days * 86400000000"
    short = "(x.abandoned AND x.duration_seconds < p.short_abandon_seconds)"
    cursor.execute(f"DROP TABLE IF EXISTS {_FLAGS}")
    cursor.execute(
        f"CREATE TEMP TABLE {_FLAGS} AS SELECT staged, key, process_id, local_date, old_flag, settled,"
        " CASE WHEN next_us <= arrived_us + window_us THEN 1 ELSE 0 END AS flag FROM ("
        " SELECT u.*, MIN(CASE WHEN NOT u.short THEN u.arrived_us END) OVER (PARTITION BY u.process_id,"
        " u.customer_ref ORDER BY u.arrived_us DESC RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_us"
        " FROM ("
        f" SELECT 1 AS staged, x.line AS key, x.process_id, x.customer_ref, x.arrived_us, x.local_date,"
        f" NULL AS old_flag, 1 AS settled, {short} AS short, {window} AS window_us"
        f" FROM {staging} x JOIN processes_process p ON p.id = x.process_id WHERE x.customer_ref <> ''"
        " UNION ALL"
        f" SELECT 0, x.id, x.process_id, x.customer_ref, x.arrived_us, x.local_date, x.has_repeat,"
        f" CASE WHEN x.arrived_us <= c.last_us THEN 1 ELSE 0 END, {short}, {window}"
        f" FROM {_TOUCHED} c JOIN processes_process p ON p.id = c.process_id"
        " JOIN processes_interaction x ON x.process_id = c.process_id AND x.customer_ref = c.customer_ref"
        f" AND x.arrived_us >= c.first_us - {window} AND x.arrived_us <= c.last_us + {window}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {staging} s"
        " WHERE s.process_id = x.process_id AND s.external_id = x.external_id)"
        " ) u) w"
    )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_FLAGS}")


def flags_join(staging_alias: str = "s") -> tuple[str, str]:
    """(LEFT JOIN clause, SQL value) giving the imported row `staging_alias` its `has_repeat`
    from `import_flags`."""
    return (
        f"LEFT JOIN {_FLAGS} f ON f.staged = 1 AND f.key = {staging_alias}.line",
        "CASE WHEN f.flag = 1 THEN true ELSE false END",
    )


def refresh_repeat_flags_for_import(cursor, now: datetime) -> int:
    """After the upsert: write the flags `evaluate_repeat_flags_for_import` found for the stored
    contacts of the touched customers where they changed, and mark the days of those that did
    (earlier days whose FCR outcome the import changes). Returns the marks written."""
    update = (
        f"UPDATE processes_interaction SET has_repeat = NOT has_repeat WHERE id IN (SELECT key FROM {_FLAGS}"
        " WHERE staged = 0 AND settled = 1 AND (flag = 1) <> old_flag) RETURNING process_id, local_date"
    )
    if connection.vendor == "postgresql":
        update = f"WITH flipped AS ({update}) SELECT DISTINCT process_id, local_date FROM flipped"
    cursor.execute(update)
    changed = {(pid, _as_date(day)) for pid, day in cursor}
    cursor.execute(f"DROP TABLE IF EXISTS {_TOUCHED}")
    cursor.execute(f"DROP TABLE IF EXISTS {_FLAGS}")
    # Only flags flipped on these days: FCR-only marks (the days of the imported rows, and the
    # old days of moved rows, already carry full marks, which win).
    return upsert_marks(cursor, changed, now, fcr_only=True)


def refresh_repeat_flags(process=None) -> int:
    """Recompute `has_repeat` for all interactions (of one process), marking the days whose flags
    changed: after the FCR window or short-abandon setting changes, and in a full recompute."""
    where = "WHERE i.process_id = %s" if process is not None else "WHERE 1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(_flip_sql(where), [process.pk] if process is not None else [])
        changed = {(pid, _as_date(day)) for pid, day in cursor}
        return upsert_marks(cursor, changed, timezone.now(), fcr_only=True)


def mark_all_days(process) -> int:
    """Mark every day that has interactions of `process` (after its KPI settings change)."""
    from processes.models import Interaction

    days = Interaction.objects.filter(process=process).values_list("local_date", flat=True).distinct()
    with connection.cursor() as cursor:
        return upsert_marks(cursor, {(process.pk, day) for day in days}, timezone.now())
