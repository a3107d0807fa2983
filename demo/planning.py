"""The demo's workforce-planning data (issue 16): a service calendar with public holidays for the
email process (ACME-EMAIL: its TAT counts business hours; GLOBEX-BO keeps the 24 × 7 clock, so
its items stuck with a third party still breach the target), planning settings (chat
concurrency), and, once the history is in, the forecasts of every process.

Holidays come from the pinned `holidays` library for each client's country, for the years the
demo's window touches (90 days back, the 6-week forecast ahead), so the calendars fit whatever
date the demo is run on; Christmas Eve is open with short hours, to show a holiday with its own
hours.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import holidays
from django.db import transaction

from calendars.models import Holiday, OpeningHours, ServiceCalendar
from clients.models import Client
from processes.models import Process
from processes.services import process_update
from workforce.models import PlanningSettings
from workforce.services import forecast_run

WEEKDAYS = range(0, 5)
# code → (client, name, country, weekday ranges, saturday ranges, processes)
CALENDARS = {
    "ACME-BUSINESS": (
        "ACME",
        "Acme customer service hours (US holidays)",
        "US",
        [(time(7), time(12)), (time(12, 30), time(21))],
        [(time(8), time(16))],
        ["ACME-EMAIL"],
    ),
}
CHRISTMAS_EVE = [(time(8), time(12))]
CONCURRENCY = {"ACME-CHAT": 2, "INITECH-CHAT": 2}


def _holidays(country: str, today: date) -> dict[date, str]:
    years = range((today - timedelta(days=120)).year, (today + timedelta(days=60)).year + 1)
    return dict(holidays.country_holidays(country, years=list(years)).items())


@transaction.atomic
def seed_calendars(admin, today: date) -> bool:
    """Create the demo calendars once and give them to their processes (marking those processes'
    days for recompute when they already have history). Returns False when already present."""
    if ServiceCalendar.objects.unscoped("demo seeding").filter(code__in=CALENDARS).exists():
        return False
    for code, (client_code, name, country, weekday, saturday, process_codes) in CALENDARS.items():
        client = Client.objects.unscoped("demo seeding").get(code=client_code)
        calendar = ServiceCalendar.objects.create(code=code, client=client, name=name)
        hours = [OpeningHours(calendar=calendar, weekday=d, start=s, end=e) for d in WEEKDAYS for s, e in weekday]
        hours += [OpeningHours(calendar=calendar, weekday=5, start=s, end=e) for s, e in saturday]
        OpeningHours.objects.bulk_create(hours)
        days = _holidays(country, today)
        rows = [Holiday(calendar=calendar, date=day, name=label) for day, label in sorted(days.items())]
        for year in sorted({day.year for day in days}):
            eve = date(year, 12, 24)
            if eve not in days:
                rows += [Holiday(calendar=calendar, date=eve, start=s, end=e, name="Christmas Eve (short hours)")
                         for s, e in CHRISTMAS_EVE]  # fmt: skip
        Holiday.objects.bulk_create(rows)
        for process in Process.objects.unscoped("demo seeding").filter(code__in=process_codes):
            process_update(actor=admin, process=process, calendar=calendar)
    for code, concurrency in CONCURRENCY.items():
        process = Process.objects.unscoped("demo seeding").get(code=code)
        PlanningSettings.objects.update_or_create(process=process, defaults={"concurrency": concurrency})
    process = Process.objects.unscoped("demo seeding").get(code="GLOBEX-BO")
    PlanningSettings.objects.update_or_create(process=process, defaults={"max_occupancy": Decimal("90")})
    return True


def seed_forecasts() -> str:
    """Forecast every active process from its history (what the nightly beat task does), so the
    staffing of today and the next weeks and the month's plan are there at once."""
    done = []
    for process in Process.objects.unscoped("demo seeding").filter(active=True).select_related("calendar"):
        result = forecast_run(process=process)
        wape = result.run.wape.get(result.run.method)
        done.append(f"{process.code} {result.run.method}" + (f" {wape:.1f} % WAPE" if wape is not None else ""))
    return ", ".join(done)
