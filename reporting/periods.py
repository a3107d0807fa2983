"""Calendar months of local days, for every reader of figures by month (SLA status, client
reports, dashboard periods)."""

from __future__ import annotations

import calendar
from datetime import date, datetime


def month_bounds(month: date) -> tuple[date, date]:
    """First and last local day of the month containing `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def parse_month(value: str) -> date:
    """`YYYY-MM` → the first of that month; ValueError with a readable message otherwise."""
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a month (YYYY-MM).") from None
    return parsed.date()
