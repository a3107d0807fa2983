"""The dashboard filter: a period (preset or custom range) and optional client / process / team,
held entirely in the query string so that any view can be bookmarked and shared.

Dates are local calendar days of the processes (KPIS.md, period attribution). Presets are
resolved against "today" in a reference time zone that the page names: the process's own on a
process page, the client's on a client page, the portal's `TIME_ZONE` on cross-client pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone

from reporting.periods import month_bounds

PRESETS = [
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("this_week", "This week"),
    ("last_7", "Last 7 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom"),
]
MAX_DAYS = 400


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PRESETS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        period = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if not period and (start or end):
            period = data["period"] = "custom"
        if period == "custom":
            if not start or not end:
                raise forms.ValidationError("A custom period needs both a start and an end date.")
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", f"Choose at most {MAX_DAYS} days.")
        return data


@dataclass
class Period:
    preset: str
    start: date
    end: date
    today: date
    tz: str

    @property
    def name(self) -> str:
        return dict(PRESETS)[self.preset]

    @property
    def dates(self) -> str:
        if self.start == self.end:
            return f"{self.start:%a %d %b %Y}"
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"

    @property
    def label(self) -> str:
        return f"{self.name}: {self.dates}"

    def dates_by_zone(self, zones) -> list[tuple[str, list[str]]]:
        """[(dates, zones)] when the preset means different dates in different zones of a page
        ("Yesterday" at 01:00 UTC is 30 Nov in New York, 1 Dec in Kolkata); [] when it means
        the same dates everywhere."""
        groups: dict[str, list[str]] = {}
        for tz in sorted(set(zones)):
            groups.setdefault(self.for_tz(tz).dates, []).append(tz)
        return list(groups.items()) if len(groups) > 1 else []

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_calendar_month(self) -> bool:
        first, last = month_bounds(self.start)
        return self.start == first and self.end == last

    @property
    def includes_today(self) -> bool:
        return self.start <= self.today <= self.end

    def for_tz(self, tz: str) -> Period:
        """The same preset resolved on today's date in another time zone (a custom range is
        the same everywhere)."""
        if self.preset == "custom" or tz == self.tz:
            return self
        today = today_in(tz)
        start, end = resolve(self.preset, today)
        return Period(preset=self.preset, start=start, end=end, today=today, tz=tz)

    def exact_query(self) -> dict:
        """The resolved dates, for links whose figures must match this page's exactly."""
        return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}

    def query(self) -> dict:
        if self.preset == "custom":
            return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}
        return {"period": self.preset}


def today_in(tz_name: str | None = None) -> date:
    return timezone.now().astimezone(ZoneInfo(tz_name or settings.TIME_ZONE)).date()


def resolve(preset: str, today: date, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The inclusive local date range a preset means on `today`."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if preset == "this_week":
        return today - timedelta(days=today.weekday()), today
    if preset == "last_7":
        return today - timedelta(days=6), today
    if preset == "last_month":
        return month_bounds(today.replace(day=1) - timedelta(days=1))
    if preset == "custom" and start and end:
        return start, end
    return today.replace(day=1), today  # this month to date


def period_from(data, *, tz: str | None = None, default: str = "this_month") -> tuple[Period, PeriodForm]:
    """Parse the period out of a QueryDict; a bad filter falls back to the default and the form
    carries the errors so that the page can say what was wrong."""
    tz = tz or settings.TIME_ZONE
    form = PeriodForm(data)
    today = today_in(tz)
    if form.is_valid():
        preset = form.cleaned_data.get("period") or default
        start, end = resolve(preset, today, form.cleaned_data.get("start"), form.cleaned_data.get("end"))
    else:
        preset = default
        start, end = resolve(preset, today)
    return Period(preset=preset, start=start, end=end, today=today, tz=tz), form


def querystring(base: dict, **changes) -> str:
    """`base` with `changes` applied (None removes a key), url-encoded with a leading '?'."""
    merged = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged, doseq=True) if merged else ""
