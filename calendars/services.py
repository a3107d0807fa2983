"""Writing service calendars: the one place the pages, the API and the admin change a calendar.

A change of a calendar's hours or holidays changes the TAT of every process that names it, on
every day. Calendars sit below processes in the layers, so they cannot mark those days
themselves: `CALENDAR_CHANGED` fires with the calendar, inside the writing transaction, and
processes (ProcessesConfig.ready) marks every day of its processes for recompute.
"""

from __future__ import annotations

from datetime import date, time

import holidays as public_holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from holidays.registry import COUNTRIES

from bpo_portal.hooks import Hook
from bpo_portal.services import set_fields, validated_save
from calendars.models import Holiday, OpeningHours, ServiceCalendar, Weekday

CALENDAR_CHANGED = Hook("calendars.services: a calendar's hours or holidays changed")
# Register `callback(calendar)`; it runs in the transaction that changed the calendar.
on_calendar_changed = CALENDAR_CHANGED.register

CALENDAR_FIELDS = ("code", "name")


def _hhmm(value: time | None) -> str:
    return "" if value is None else f"{value:%H:%M}"


def _range_problem(start, end) -> str | None:
    if start is None or end is None:
        return "give both a start and an end"
    if end <= start:
        return f"the end ({_hhmm(end)}) must be after the start ({_hhmm(start)}); a range ends the same day"
    return None


def _overlaps(ranges: list[tuple[time, time, str]]) -> list[str]:
    """Messages for ranges of one day that overlap (touching is fine: 09:00–12:00, 12:00–17:00)."""
    problems = []
    ordered = sorted(ranges)
    for (s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            same = (s1, e1) == (s2, e2)
            problems.append(f"{l2} {'repeats' if same else 'overlaps'} {l1}.")
    return problems


def validate_hours(hours: list[dict]) -> list[OpeningHours]:
    """The weekly rows, checked: each (weekday, start, end), ranges of one weekday not overlapping.
    Raises ValidationError({"hours": [...]}) naming each bad row (counting from 1)."""
    errors, rows, by_day = [], [], {}
    for number, data in enumerate(hours, start=1):
        weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
        if weekday not in Weekday.values:
            errors.append(f"row {number}: weekday must be 0 (Monday) … 6 (Sunday), not {weekday!r}.")
            continue
        label = f"row {number} ({Weekday(weekday).label} {_hhmm(start)}–{_hhmm(end)})"
        problem = _range_problem(start, end)
        if problem:
            errors.append(f"{label}: {problem}.")
            continue
        by_day.setdefault(weekday, []).append((start, end, label))
        rows.append(OpeningHours(weekday=weekday, start=start, end=end))
    for ranges in by_day.values():
        errors += _overlaps(ranges)
    if errors:
        raise ValidationError({"hours": errors})
    return rows


def validate_holidays(holidays: list[dict]) -> list[Holiday]:
    """The holiday rows, checked: a date closed all day (no start and end) or with ranges that do
    not overlap or repeat; not both. Raises ValidationError({"holidays": [...]})."""
    errors, rows, by_date, closed = [], [], {}, {}
    for number, data in enumerate(holidays, start=1):
        day, start, end = data.get("date"), data.get("start"), data.get("end")
        name = (data.get("name") or "").strip()
        if not isinstance(day, date):
            errors.append(f"row {number}: a date (YYYY-MM-DD) is required.")
            continue
        label = f"row {number} ({day}{' ' + _hhmm(start) + '–' + _hhmm(end) if start or end else ''})"
        if start is None and end is None:
            if day in closed or day in by_date:
                errors.append(f"{label}: {day} is already listed.")
            closed[day] = label
        else:
            problem = _range_problem(start, end)
            if problem:
                errors.append(f"{label}: {problem}.")
                continue
            if day in closed:
                errors.append(f"{label}: {day} is already closed all day ({closed[day]}).")
            by_date.setdefault(day, []).append((start, end, label))
        rows.append(Holiday(date=day, start=start, end=end, name=name[:200]))
    for ranges in by_date.values():
        errors += _overlaps(ranges)
    if errors:
        raise ValidationError({"holidays": errors})
    return rows


def _replace(calendar: ServiceCalendar, hours, holidays) -> bool:
    """Replace the lists given (None = keep); True when something was replaced."""
    hour_rows = validate_hours(hours) if hours is not None else None
    holiday_rows = validate_holidays(holidays) if holidays is not None else None
    if hour_rows is not None:
        calendar.hours.all().delete()
        OpeningHours.objects.bulk_create([_owned(row, calendar) for row in hour_rows])
    if holiday_rows is not None:
        calendar.holidays.all().delete()
        Holiday.objects.bulk_create([_owned(row, calendar) for row in holiday_rows])
    return hour_rows is not None or holiday_rows is not None


def _owned(row, calendar):
    row.calendar = calendar
    return row


@transaction.atomic
def calendar_create(*, actor, client, code: str, name: str, hours=None, holidays=None) -> ServiceCalendar:
    """Create a calendar of `client` (already checked visible to `actor`) with its lists."""
    calendar = ServiceCalendar(client=client, code=code, name=name)
    validated_save(calendar)
    _replace(calendar, hours or [], holidays or [])
    return calendar


@transaction.atomic
def calendar_update(*, actor, calendar: ServiceCalendar, client=None, hours=None, holidays=None, **fields):
    """Change a calendar's code or name; `hours` / `holidays`, when given, replace the whole list.
    A calendar stays with its client. Every day of the processes naming it is marked."""
    if client is not None and client.pk != calendar.client_id:
        raise ValidationError({"client": "A calendar cannot move to another client; create a new one."})
    set_fields(calendar, fields, allowed=set(CALENDAR_FIELDS))
    validated_save(calendar)
    if _replace(calendar, hours, holidays):
        calendar_changed(calendar)
    return calendar


def calendar_changed(calendar: ServiceCalendar) -> None:
    """The calendar's hours or holidays changed (the admin calls this too): tell the apps above."""
    CALENDAR_CHANGED.fire(calendar)


def holiday_countries() -> list[tuple[str, str]]:
    """(alpha-2 code, name) of the countries the pinned `holidays` library knows, by name."""
    names = {entry[1]: _spaced(entry[0]) for entry in COUNTRIES.values()}
    return sorted(names.items(), key=lambda pair: pair[1])


def _spaced(class_name: str) -> str:
    return "".join(f" {c}" if c.isupper() and i else c for i, c in enumerate(class_name))


@transaction.atomic
def holidays_prefill(*, actor, calendar: ServiceCalendar, country: str, year: int, subdivision: str = "") -> int:
    """Add the public holidays of `country` (and `subdivision`) in `year` as dates closed all
    day, skipping dates the calendar already lists. Returns how many were added."""
    country = (country or "").strip().upper()
    if country not in public_holidays.list_supported_countries():
        raise ValidationError({"country": f"Unknown country code {country!r} (ISO 3166-1 alpha-2, e.g. GB)."})
    if not 1900 <= int(year) <= 2100:
        raise ValidationError({"year": "A year between 1900 and 2100."})
    try:
        found = public_holidays.country_holidays(country, subdiv=subdivision or None, years=int(year))
    except NotImplementedError as exc:
        raise ValidationError({"subdivision": str(exc)}) from None
    taken = set(calendar.holidays.values_list("date", flat=True))
    rows = [
        Holiday(calendar=calendar, date=day, name=str(name)[:200])
        for day, name in sorted(found.items())
        if day not in taken
    ]
    Holiday.objects.bulk_create(rows)
    if rows:
        calendar_changed(calendar)
    return len(rows)
