"""Service calendars (KPIS.md, "Service calendars"): a client's weekly opening hours and holidays,
shared by its processes. Hours are wall-clock times in the time zone of the process that names
the calendar, so one calendar serves processes of one client in several zones alike.

A calendar has several ranges per weekday (09:00–12:00 and 13:00–17:00), and holidays: a date
closed all day (no start and end) or open with its own hours (one or more ranges that replace the
weekday's). Open time is computed by calendars/open_time.py.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedQuerySet
from bpo_portal.codes import CodedModelMixin, code_field, unique_code_ci


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ServiceCalendar(CodedModelMixin, models.Model):
    """Opening hours of a client's service: TAT runs in open time, forecasts and staffing are zero
    while closed."""

    EDITABLE_FIELDS = ("code", "name")

    code = code_field()
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="calendars")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "client"

    class Meta:
        ordering = ["code"]
        constraints = [unique_code_ci("servicecalendar", "calendar")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("calendars:detail", kwargs={"code": self.code})


def _check_range(start, end):
    if start is None or end is None:
        return
    if end <= start:
        raise ValidationError(
            {"end": "The end must be after the start (a range ends the same day; 00:00 is not an end)."}
        )


class OpeningHours(models.Model):
    """One open range of a weekday, [start, end) in local wall-clock time."""

    calendar = models.ForeignKey(ServiceCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "calendar"

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = "opening hours"

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        _check_range(self.start, self.end)


class Holiday(models.Model):
    """A date the service is closed (no start and end), or open only for [start, end). Several rows
    of one date with hours are several ranges of that day."""

    calendar = models.ForeignKey(ServiceCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "calendar"

    class Meta:
        ordering = ["calendar", "date", "start"]

    def __str__(self):
        if self.start is None:
            return f"{self.date} closed"
        return f"{self.date} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if (self.start is None) != (self.end is None):
            raise ValidationError("Give both a start and an end, or neither (closed all day).")
        _check_range(self.start, self.end)
