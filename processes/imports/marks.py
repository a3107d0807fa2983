"""Every call of the import into the ledger of changed days (processes.ledger), one small function
each: the marks of the (process, local day) pairs it changes, the repeat-contact flags it
evaluates, the changed days it reads back for its report, and the hook it fires for them (the
KPI engine registers the recompute, queued after commit). Nothing else in the package knows the
ledger."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from processes.ledger import (
    days_marked,
    evaluate_repeat_flags_for_import,
    flags_join,
    mark_days_for_import,
    refresh_repeat_flags_for_import,
)


def days_mark(cursor, staging: str, now: datetime) -> tuple[set[int], int]:
    """Before the upsert: mark the days of the staged rows and the old days of rows they move;
    returns (process ids, marks written)."""
    return mark_days_for_import(cursor, staging, now)


def repeat_flags_evaluate(cursor, staging: str) -> None:
    """Before the upsert: the repeat-contact flags of the staged rows and of the stored contacts
    of the customers they touch, into a temporary table read through `repeat_flag_join`."""
    evaluate_repeat_flags_for_import(cursor, staging)


def repeat_flag_join(staging_alias: str) -> tuple[str, str]:
    """(LEFT JOIN clause, SQL value): the `has_repeat` of the staged row `staging_alias`."""
    return flags_join(staging_alias)


def repeat_flags_refresh(cursor, now: datetime) -> int:
    """After the upsert: write the stored contacts' flags that changed and mark their days
    (FCR-only marks); returns the marks written."""
    return refresh_repeat_flags_for_import(cursor, now)


def changed_days(cursor, process_ids: set[int], now: datetime) -> list[tuple[int, object]]:
    """(process id, local day) of the marks stamped `now` for these processes, in order: the days
    this import changed (a date, or ISO text on SQLite)."""
    ids = ", ".join(str(int(pid)) for pid in sorted(process_ids))
    cursor.execute(
        f"SELECT process_id, local_date FROM reporting_kpimark WHERE marked_at = %s AND process_id IN ({ids})"
        " ORDER BY process_id, local_date",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    return cursor.fetchall()


def recompute_enqueue(process_ids: set[int]) -> None:
    """Fire the ledger's hook for these processes (the KPI engine queues their recompute once the
    import commits). The marks are committed with the rows: if the broker is down, the worker's
    sweep recomputes them."""
    days_marked(process_ids)
