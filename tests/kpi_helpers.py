"""Helpers to import interactions and read KPIs in tests."""

import csv
import io

from accounts.models import User
from processes.imports import COLUMNS, import_csv
from reporting import engine
from reporting.models import DailyKpi
from reporting.selectors import kpi_rollup


def csv_text(rows: list[dict], columns=COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def load(rows: list[dict], *, user=None, recompute=True):
    """Import rows as a CSV file through the import service, then run the KPI engine on the marks
    (what the on-commit task does)."""
    report = import_csv(io.BytesIO(csv_text(rows).encode()), user=user)
    if recompute:
        engine.recompute_marked()
    return report


def rollup(group_by="day", **kwargs):
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create(
        username="kpi-admin", role="admin", is_superuser=True
    )
    return {row.key: row.as_dict(group_by) for row in kpi_rollup(user=admin, group_by=group_by, **kwargs)}


def table_snapshot():
    """The whole component table, comparable across runs (without ids and computed_at)."""
    columns = [f.attname for f in DailyKpi._meta.fields if f.name not in ("id", "computed_at")]
    return sorted(
        tuple(-1 if value is None else value for value in values) for values in DailyKpi.objects.values_list(*columns)
    )


def row(
    external_id,
    arrived_at,
    *,
    process,
    agent="",
    answered_at="",
    ended_at="",
    talk=0,
    hold=0,
    wrap=0,
    abandoned=False,
    customer="",
    csat="",
    direction="",
    channel="",
    resolved="",
    disposition="",
):
    return {
        "external_id": external_id,
        "process": process,
        "agent": agent,
        "channel": channel,
        "direction": direction,
        "customer_ref": customer,
        "arrived_at": arrived_at,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "talk_seconds": talk,
        "hold_seconds": hold,
        "wrap_seconds": wrap,
        "abandoned": "true" if abandoned else "false",
        "resolved": resolved,
        "csat": csat,
        "disposition": disposition,
    }


def good_row(external_id="e1", **overrides) -> dict:
    """A valid answered ALPHA-VOICE call by agent A0001 of customer C1 (CSAT 5) on 1 October 2026,
    with `overrides` applied: the import tests' starting row."""
    data = row(
        external_id,
        "2026-10-01T09:00:00+05:30",
        process="ALPHA-VOICE",
        agent="A0001",
        answered_at="2026-10-01T09:00:10+05:30",
        ended_at="2026-10-01T09:05:00+05:30",
        talk=200,
        customer="C1",
        csat=5,
    )
    data.update(overrides)
    return data
