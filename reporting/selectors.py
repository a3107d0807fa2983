"""Scoped reads of the KPI components, rolled up for any range and grouping.

`kpi_sums` is the one reader that sums `DailyKpi`: the KPI API (`kpi_rollup`), the dashboards,
SLA compliance and the client reports all group their rows through it, so a figure is the same
wherever it is read. It renders one `SELECT … GROUP BY` with the ORM and reads the rows straight
from the cursor: a dashboard sums the rows of every process in scope, and the ORM's per-value
conversions were a third of the overview's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.scoping import ScopedQuerySet, scope_q
from bpo_portal import metrics
from reporting import kpis
from reporting.models import DailyKpi

GROUPS = ("day", "week", "month", "process", "agent", "team", "client", "total")
SCOPES = ("process", "client", "team", "agent")
_KEY_FIELDS = {
    "process": ("process_id", "process__code"),
    "agent": ("agent_id", "agent__code"),
    "team": ("team_id", "team__code"),
    "client": ("client_id", "client__code"),
}
_SCOPE_FILTERS = {
    "process": "process__code__in",
    "client": "client__code__in",
    "team": "team__code__in",
    "agent": "agent__code__in",
}


@dataclass
class Sums:
    """One group of `kpi_sums`: the values of its grouping fields, in the order asked (empty for
    the total), its summed components, and the newest `computed_at` of its rows."""

    key: tuple
    components: dict
    computed_at: datetime | None


def _number(value):
    """A summed component as a plain int or float (PostgreSQL sums bigint columns as numeric);
    0 for no rows and for a zero sum (of a float column too)."""
    if not value:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value):
    """`computed_at` as an aware datetime (SQLite returns the stored text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
    return value


def kpi_sums(rows, *fields: str, components=kpis.COMPONENTS, order_by: tuple = ()) -> list[Sums]:
    """The components of `rows` (a DailyKpi queryset: the caller's scope, dates and filters)
    summed per distinct value of `fields` (e.g. "process_id", "local_date", "agent__code"), in
    one GROUP BY query, ordered by `order_by` (none: the database's order).

    Without `fields`, one group over every row (its components 0 and `computed_at` None when
    there is none). `components` narrows the sums to the ones needed."""
    if not fields:
        entry = rows.aggregate(_last=Max("computed_at"), **{name: Sum(name) for name in components})
        return [Sums((), {name: _number(entry[name]) for name in components}, entry["_last"])]
    if isinstance(rows, ScopedQuerySet):
        rows._guard("fetch")  # read below without the queryset: the tenancy guard still applies
    try:
        sql, params = _grouped_sql(rows, fields, components, order_by)
    except EmptyResultSet:  # e.g. process__in=[]: nothing to read
        return []
    days = [i for i, name in enumerate(fields) if name == "local_date" or name.endswith("__local_date")]
    width = len(fields)
    result = []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key = list(row[:width])
            for i in days:
                key[i] = _day(key[i])
            values = (_number(value) for value in row[width + 1 :])
            result.append(Sums(tuple(key), dict(zip(components, values, strict=True)), _moment(row[width])))
    return result


def _grouped_sql(rows, fields, components, order_by) -> tuple[str, list]:
    """The GROUP BY of `kpi_sums`. Rows narrowed on the table's own columns, grouped by them (a
    dashboard's processes and days), get the SQL written out around the queryset's WHERE clause
    (building the ORM query cost more than running it); anything else (joins for codes) is
    rendered by the ORM."""
    query = rows.query
    table = DailyKpi._meta.db_table
    columns = {f.attname for f in DailyKpi._meta.concrete_fields}
    simple = (
        {alias for alias in query.alias_map if query.alias_refcount[alias]} <= {table}
        and {*fields, *order_by} <= columns
        and not (query.distinct or query.annotations or query.extra or query.is_sliced)
    )
    if not simple:
        sums = {name: Sum(name) for name in components}
        grouped = rows.values(*fields).annotate(_last=Max("computed_at"), **sums).order_by(*order_by)
        return grouped.query.sql_with_params()
    connection = connections[rows.db]
    try:
        where, params = query.get_compiler(connection=connection).compile(query.where)
    except FullResultSet:  # no filter at all
        where, params = "", []
    quote = connection.ops.quote_name
    keys = ", ".join(quote(name) for name in fields)
    sums = ", ".join(f"SUM({quote(name)})" for name in components)
    sql = f"SELECT {keys}, MAX({quote('computed_at')}), {sums} FROM {quote(table)}"  # noqa: S608 - names, not input
    if where:
        sql += f" WHERE {where}"
    sql += f" GROUP BY {keys}"
    if order_by:
        sql += " ORDER BY " + ", ".join(quote(name) for name in order_by)
    return sql, list(params)


@dataclass
class KpiRow:
    key: str | None
    components: dict
    computed_at: object

    def as_dict(self, group_by: str) -> dict:
        data = {group_by: self.key} if group_by != "total" else {}
        data.update({name: self.components[name] for name in metrics.COUNTS})
        data.update(kpis.figures(self.components))
        data["computed_at"] = self.computed_at
        data["components"] = {name: self.components[name] for name in kpis.COMPONENTS}
        return data


def kpi_queryset(*, user, scope: str | None = None, codes: list[str] | None = None, start=None, end=None):
    """The component rows `user` may see, filtered by scope codes and an inclusive date range."""
    rows = DailyKpi.objects.filter(scope_q(DailyKpi, user))
    if scope and codes:
        rows = rows.filter(**{_SCOPE_FILTERS[scope]: codes})
    if start:
        rows = rows.filter(local_date__gte=start)
    if end:
        rows = rows.filter(local_date__lte=end)
    return rows


def _bucket(day: date, group_by: str) -> str:
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return f"{day.year:04d}-{day.month:02d}"


def kpi_rollup(*, user, group_by: str = "day", scope=None, codes=None, start=None, end=None) -> list[KpiRow]:
    """Summed components and figures per group, computed from sums (never means of rates).

    Day, week (ISO, keyed by its Monday) and month groups are local calendar dates of the
    processes; `total` is one row over everything selected (absent when nothing is).
    """
    rows = kpi_queryset(user=user, scope=scope, codes=codes, start=start, end=end)
    if group_by in ("day", "week", "month"):
        grouped: dict[str, KpiRow] = {}
        for entry in kpi_sums(rows, "local_date", order_by=("local_date",)):
            key = _bucket(entry.key[0], group_by)
            row = grouped.get(key)
            if row is None:
                row = grouped[key] = KpiRow(key, kpis.empty_components(), entry.computed_at)
            for name in kpis.COMPONENTS:
                row.components[name] += entry.components[name]
            row.computed_at = max(row.computed_at, entry.computed_at)
        return list(grouped.values())
    if group_by == "total":
        (entry,) = kpi_sums(rows)
        return [] if entry.computed_at is None else [KpiRow(None, entry.components, entry.computed_at)]
    id_field, code_field = _KEY_FIELDS[group_by]
    return [
        KpiRow(entry.key[1], entry.components, entry.computed_at)
        for entry in kpi_sums(rows, id_field, code_field, order_by=(code_field,))
    ]
