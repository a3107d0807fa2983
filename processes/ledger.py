"""The ledger of changed days: which (process, local day) pairs need their KPI components
recomputed, and the repeat-contact flags (`Interaction.has_repeat`) whose changes put days on it.

Marks are rows (`KpiMark`, table `reporting_kpimark`) written in the same transaction as the
change that causes them: an import, a change of a process's KPI settings, a completed work item
(through the import), an evaluation. So a change can never be "lost" because a broker was down:
the KPI engine's periodic sweep finds them. The engine (reporting) reads and deletes them; it is
above this app and is never imported here.

The writers call `days_marked(process_ids)` after marking. The apps above register what that
triggers, once, from their AppConfig.ready:

    on_days_marked(callback)    callback(process_ids) once the transaction commits (at once
                                outside one), with the sorted ids of the processes the writer
                                marked (reporting queues the recompute of the marked days).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from bpo_portal.hooks import Hook
from processes import predicates

# --- the hook: what marking triggers above -----------------------------------------------------------

_DAYS_MARKED = Hook("processes.ledger: days marked")
# Register `callback(process_ids)` (once: registering it again changes nothing); returns it.
on_days_marked = _DAYS_MARKED.register


def days_marked(process_ids, *, once_per_transaction: bool = False) -> None:
    """The writer has marked days of these processes: once the transaction commits (at once
    outside one), run the registered callbacks with their sorted ids.

    A writer that marks many times in one transaction (the evaluations of a calibration, a
    batch of amendments) asks `once_per_transaction`: then the callbacks run once per process per
    transaction, for the ids no earlier such call of the transaction named (the marks are the
    durable record; the engine's sweep covers any lost request)."""
    ids = sorted(set(process_ids))
    if once_per_transaction:
        pending: set[int] = set()
        for entry in getattr(connection, "run_on_commit", []):
            pending |= getattr(entry[1], "ledger_once_ids", set())
        ids = [pid for pid in ids if pid not in pending]
    if not ids:
        return

    def run() -> None:
        _DAYS_MARKED.fire(ids)

    if once_per_transaction:
        run.ledger_once_ids = set(ids)
    transaction.on_commit(run)


# --- marks ---------------------------------------------------------------------------------------------


def day_runs(days) -> list[tuple[date, date]]:
    """Consecutive runs of days as (first, last) pairs, in order: each an index range on
    (process, local_date)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


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
_SPANS = "import_spans"


def mark_days_for_import(cursor, staging: str, now: datetime) -> tuple[set[int], int]:
    """Before the upsert: mark the days of the imported rows and the old days of rows the import
    moves, and remember which (process, customer) pairs it touches, old and new, with the span of
    their arrivals (for `refresh_repeat_flags_for_import`): only customers with stored contacts
    near the import, the others have no stored flag to evaluate. Returns (process ids, marks
    written).

    Stored contacts are found by day (the (process, local_date) index), not by customer: per
    process, the days from the first to the last day the import touches, widened by the FCR
    window and two days (a local day can be 23 or 25 hours long), hold every stored contact whose
    flag the import can change or that can be the repeat of an imported row. So the interaction
    table needs no index by customer, which would cost more on every insert than it saves here."""
    cursor.execute(f"SELECT DISTINCT process_id, local_date FROM {staging}")
    days = {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    cursor.execute(
        f"SELECT DISTINCT i.process_id, i.local_date FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id WHERE i.local_date <> s.local_date"
    )
    days |= {(pid, _as_date(d)) for pid, d in cursor.fetchall()}
    spans: dict[int, list[date]] = {}
    for pid, day in days:
        span = spans.setdefault(pid, [day, day])
        span[0], span[1] = min(span[0], day), max(span[1], day)
    cursor.execute(f"DROP TABLE IF EXISTS {_SPANS}")
    cursor.execute(f"DROP TABLE IF EXISTS {_TOUCHED}")
    cursor.execute(f"CREATE TEMP TABLE {_SPANS} (process_id bigint, first_day date, last_day date)")
    if spans:
        cursor.execute(
            "SELECT id, fcr_window_days FROM processes_process"
            f" WHERE id IN ({', '.join(str(int(pid)) for pid in sorted(spans))})"
        )
        adapt = connection.ops.adapt_datefield_value
        rows = []
        for pid, window_days in cursor.fetchall():
            margin = timedelta(days=window_days + 2)
            rows.append((pid, adapt(spans[pid][0] - margin), adapt(spans[pid][1] + margin)))
        cursor.executemany(f"INSERT INTO {_SPANS} VALUES (%s, %s, %s)", rows)
    near = _stored_near(cursor, "o")
    _hash_joins(cursor)
    cursor.execute(
        f"CREATE TEMP TABLE {_TOUCHED} AS SELECT process_id, customer_ref, MIN(arrived_us) AS first_us,"
        " MAX(arrived_us) AS last_us FROM ("
        f" SELECT s.process_id, s.customer_ref, s.arrived_us FROM {staging} s WHERE s.customer_ref <> ''"
        # A customer without stored contacts near the import has none whose flag could change.
        f" AND {_has_stored_contacts_near(near)}"
        " UNION ALL"
        f" SELECT i.process_id, i.customer_ref, i.arrived_us FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id WHERE i.customer_ref <> ''"
        ") touched GROUP BY process_id, customer_ref"
    )
    _hash_joins(cursor, False)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_TOUCHED}")
    return {pid for pid, _ in days}, upsert_marks(cursor, days, now)


def _has_stored_contacts_near(near: str) -> str:
    """SQL condition on staged row `s`: its customer has stored contacts in the import's spans
    (`near`, over alias `o`). PostgreSQL hash-joins the EXISTS; SQLite would run it as a range
    scan of the spans per staged row (there is no index by customer), so there it is a
    non-correlated IN, which SQLite builds once into a temporary index (a re-import of 20,000
    rows: 44 s -> well under a second for this statement)."""
    if connection.vendor == "postgresql":
        return (
            "EXISTS (SELECT 1 FROM processes_interaction o WHERE o.process_id = s.process_id"
            f" AND o.customer_ref = s.customer_ref AND {near})"
        )
    stored = f"SELECT o.process_id, o.customer_ref FROM processes_interaction o WHERE {near}"
    return f"(s.process_id, s.customer_ref) IN ({stored})"


def _stored_near(cursor, alias: str) -> str:
    """SQL condition: the interaction `alias` is on a day of `import_spans`. Written out as one
    index range per process (OR-ed): joined to the spans table, PostgreSQL read every row of each
    process and filtered the days afterwards."""
    cursor.execute(f"SELECT process_id, first_day, last_day FROM {_SPANS} ORDER BY process_id")
    ranges = [
        f"({alias}.process_id = {int(pid)} AND {alias}.local_date >= '{_as_date(first).isoformat()}'"
        f" AND {alias}.local_date <= '{_as_date(last).isoformat()}')"
        for pid, first, last in cursor.fetchall()
    ]
    return "(" + (" OR ".join(ranges) or "1 = 0") + ")"


def _hash_joins(cursor, on: bool = True) -> None:
    """On PostgreSQL, no nested loops for the next statement (on) or back to the default (off).
    Stored contacts meet the touched customers by hash: right after a large import the table's
    statistics can still say "empty", and a nested loop over the touched customers for every
    stored row near the import then runs for hours (a re-import of a million rows). JIT goes off
    with them: a plan that needs a nested loop anyway costs 10^10 "disabled" units, and compiling
    it took a second for a handful of rows."""
    if connection.vendor == "postgresql":
        if on:
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL jit = off")
        else:
            cursor.execute("RESET enable_nestloop")
            cursor.execute("RESET jit")


# The repeat-contact rule (KPIS.md; stated per row by predicates.repeat_contact_sql), set-based:
# over the rows of one (process, customer) ordered by arrival, `_next_contact` gives every row the
# next strictly later arrival that counts as a contact (not a short abandon), and the row has a
# repeat when that arrival lies within the FCR window (`window_us`, predicates.fcr_window_us).
_HAS_REPEAT = "next_us <= arrived_us + window_us"


def _next_contact(alias: str, counts: str) -> str:
    """SQL window: the earliest arrival after row `alias`'s among the rows of its (process,
    customer) for which `counts` holds (the next contact; null when there is none)."""
    return (
        f"MIN(CASE WHEN {counts} THEN {alias}.arrived_us END) OVER (PARTITION BY {alias}.process_id,"
        f" {alias}.customer_ref{_bytewise()} ORDER BY {alias}.arrived_us DESC"
        " RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )


def _repeat_flags_sql(where: str) -> str:
    """SELECT of (id, has_repeat, flag by KPIS.md's rule, process_id, local_date) for the
    interactions `i` (joined to their process `p`) that `where` selects, set-based (as in
    `evaluate_repeat_flags_for_import`). An interaction without a customer reference has no
    repeat (it is not eligible for FCR). Equal to `predicates.repeat_contact_sql`."""
    counts = "NOT " + predicates.SHORT_ABANDON.sql("i", "p")
    return (
        f"SELECT id, has_repeat, customer_ref <> '' AND {_HAS_REPEAT} AS flag,"
        " process_id, local_date FROM ("
        " SELECT i.id, i.has_repeat, i.customer_ref, i.arrived_us, i.process_id, i.local_date,"
        f" {predicates.fcr_window_us('p')} AS window_us,"
        f" {_next_contact('i', counts)} AS next_us"
        f" FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id {where}) w"
    )


def _flip_sql(where: str) -> str:
    """Flip `has_repeat` where it disagrees with the definition; returns the changed rows' days."""
    update = (
        "UPDATE processes_interaction SET has_repeat = NOT has_repeat WHERE id IN ("
        f" SELECT id FROM ({_repeat_flags_sql(where)}) f WHERE has_repeat <> coalesce(flag, false))"
        " RETURNING process_id, local_date"
    )
    if connection.vendor == "postgresql":
        # Only the distinct days come back, however many rows flip: memory stays flat.
        return f"WITH flipped AS ({update}) SELECT DISTINCT process_id, local_date FROM flipped"
    return update


_FLAGS = "import_flags"


def _bytewise() -> str:
    """On PostgreSQL, a byte-wise collation for grouping customer references: the same groups
    (the database's collation is deterministic), but the sort compares bytes and can use
    abbreviated keys, where the database's own collation calls strcoll (1.4 s instead of 2.4 s
    for the window over a million rows)."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def evaluate_repeat_flags_for_import(cursor, staging: str) -> None:
    """Before the upsert: evaluate `has_repeat` (KPIS.md's repeat-contact rule, as
    `predicates.repeat_contact_sql` states it) for the imported rows and for the stored
    contacts of the customers the import touches, into the temp table `import_flags`.

    One sort instead of a lookup per row: over the imported rows and the stored rows of each
    touched (process, customer) whose arrival lies within the FCR window of the span of the
    touched arrivals (the stored versions of re-imported rows left out, their new versions in),
    a window function gives every row the next strictly later arrival that is not a short
    abandon; the row has a repeat when that is at most `fcr_window_days` × 86,400 s later. Every
    row that can have such a repeat among the changed rows is complete there; stored rows beyond
    the touched span only serve as later contacts and are flagged as not `settled`. The table
    keeps the imported rows that have a repeat and the settled stored rows whose flag changes.
    """
    window = predicates.fcr_window_us("p")
    short = predicates.SHORT_ABANDON.sql("x", "p")
    near = _stored_near(cursor, "x")
    cursor.execute(f"DROP TABLE IF EXISTS {_FLAGS}")
    _hash_joins(cursor)
    cursor.execute(
        f"CREATE TEMP TABLE {_FLAGS} AS SELECT * FROM ("
        " SELECT staged, key, process_id, local_date, old_flag, settled,"
        f" CASE WHEN {_HAS_REPEAT} THEN 1 ELSE 0 END AS flag FROM ("
        f" SELECT u.*, {_next_contact('u', 'NOT u.short')} AS next_us"
        " FROM ("
        f" SELECT 1 AS staged, x.line AS key, x.process_id, x.customer_ref, x.arrived_us, x.local_date,"
        f" NULL AS old_flag, 1 AS settled, {short} AS short, {window} AS window_us"
        f" FROM {staging} x JOIN processes_process p ON p.id = x.process_id WHERE x.customer_ref <> ''"
        " UNION ALL"
        f" SELECT 0, x.id, x.process_id, x.customer_ref, x.arrived_us, x.local_date, x.has_repeat,"
        f" CASE WHEN x.arrived_us <= c.last_us THEN 1 ELSE 0 END, {short}, {window}"
        f" FROM processes_interaction x JOIN {_TOUCHED} c ON c.process_id = x.process_id"
        " AND c.customer_ref = x.customer_ref JOIN processes_process p ON p.id = x.process_id"
        f" WHERE {near}"
        f" AND x.arrived_us >= c.first_us - {window} AND x.arrived_us <= c.last_us + {window}"
        f" AND {_not_restaged(staging)}"
        " ) u) w) v"
        # Only what is used: imported rows with a repeat (the others get none) and stored rows
        # whose flag changes, a few percent of the rows sorted above.
        " WHERE (staged = 1 AND flag = 1) OR (staged = 0 AND settled = 1 AND (flag = 1) <> old_flag)"
    )
    _hash_joins(cursor, False)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_FLAGS}")


def _not_restaged(staging: str) -> str:
    """SQL condition on stored row `x`: it is not imported again by this import (its new version
    is among the staged rows). A correlated NOT EXISTS on PostgreSQL (an anti-join); on SQLite a
    non-correlated NOT IN, built once into a temporary index instead of a scan of the staging
    table per stored row (neither column is ever null)."""
    if connection.vendor == "postgresql":
        return (
            f"NOT EXISTS (SELECT 1 FROM {staging} s"
            " WHERE s.process_id = x.process_id AND s.external_id = x.external_id)"
        )
    return f"(x.process_id, x.external_id) NOT IN (SELECT s.process_id, s.external_id FROM {staging} s)"


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
    cursor.execute(f"DROP TABLE IF EXISTS {_SPANS}")
    cursor.execute(f"DROP TABLE IF EXISTS {_FLAGS}")
    # Only flags flipped on these days: FCR-only marks (the days of the imported rows, and the
    # old days of moved rows, already carry full marks, which win).
    return upsert_marks(cursor, changed, now, fcr_only=True)


def refresh_repeat_flags(process=None, *, since: date | None = None) -> int:
    """Recompute `has_repeat` for all interactions (of one process; arriving on local days from
    `since` on), marking the days whose flags changed: after the FCR window or short-abandon
    setting changes, and as a repair. One window pass over the rows, no lookup per row."""
    conditions, params = ["1 = 1"], []
    if process is not None:
        conditions.append("i.process_id = %s")
        params.append(process.pk)
    if since is not None:  # a row's repeats arrive later than it: the earlier days do not matter
        conditions.append("i.local_date >= %s")
        params.append(since)
    with connection.cursor() as cursor:
        cursor.execute(_flip_sql("WHERE " + " AND ".join(conditions)), params)
        changed = {(pid, _as_date(day)) for pid, day in cursor}
        return upsert_marks(cursor, changed, timezone.now(), fcr_only=True)


def mark_all_days(process) -> int:
    """Mark every day that has interactions of `process` (after its KPI settings change)."""
    days = process.interactions.values_list("local_date", flat=True).distinct()
    with connection.cursor() as cursor:
        return upsert_marks(cursor, {(process.pk, day) for day in days}, timezone.now())
