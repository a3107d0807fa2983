"""TAT in open time through the KPI engine (KPIS.md, "Service calendars"): KPIS.md's items E1–E3
imported as emails, recomputed, read from DailyKpi and /api/v1/kpis/; a change of the calendar or
of the process's calendar marks the process's days, and the recompute changes the figures. The
same on PostgreSQL when DATABASE_URL points at it."""

from datetime import date, time

import pytest
from django.db import connection

from calendars.models import ServiceCalendar
from calendars.services import calendar_create, calendar_update
from processes.models import Interaction, KpiMark, Process
from processes.open_time import refresh_processes
from processes.services import process_update
from reporting import engine
from reporting.models import DailyKpi
from tests.conftest import api_as
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory, UserFactory
from tests.kpi_helpers import load, row

pytestmark = pytest.mark.django_db

OFFICE_HOURS = [{"weekday": d, "start": time(9), "end": time(17)} for d in range(5)]
CHRISTMAS = [{"date": date(2026, 12, 25), "name": "Christmas Day"}]

# KPIS.md's example (Europe/London): open time 2 h, 8 h, 8.5 h; wall-clock 90 h, 55.5 h, 25.5 h.
ITEMS = [
    ("E1", "2026-12-24T16:00:00+00:00", "2026-12-28T10:00:00+00:00"),
    ("E2", "2026-12-19T11:00:00+00:00", "2026-12-21T18:30:00+00:00"),
    ("E3", "2026-12-21T08:00:00+00:00", "2026-12-22T09:30:00+00:00"),
]


@pytest.fixture
def london(db):
    client = ClientFactory(code="UKCO", timezone="Europe/London")
    admin = UserFactory(username="cal-admin", role="admin", is_superuser=True, is_staff=True)
    calendar = calendar_create(
        actor=admin, client=client, code="UK-OFFICE", name="UK office", hours=OFFICE_HOURS, holidays=CHRISTMAS
    )
    process = ProcessFactory(
        client=client, code="UK-MAIL", channel="email", timezone="Europe/London", tat_hours=8, calendar=calendar
    )
    AgentFactory(code="U1", team=TeamFactory(code="T-UK"), processes=[process])
    rows = [
        row(code, arrived, process="UK-MAIL", agent="U1", answered_at=arrived, ended_at=ended, talk=60)
        for code, arrived, ended in ITEMS
    ]
    load(rows, user=admin)
    return process, calendar, admin


def _open_hours():
    return {
        external_id: None if seconds is None else seconds / 3600
        for external_id, seconds in Interaction.objects.values_list("external_id", "open_seconds")
    }


def _tat(day: str):
    kpi = DailyKpi.objects.filter(process__code="UK-MAIL", local_date=day)
    return sum(kpi.values_list("tat_within", flat=True)), sum(kpi.values_list("tat_items", flat=True))


def _api_compliance(admin, day):
    response = api_as(admin).get("/api/v1/kpis/", {"process": "UK-MAIL", "start": day, "end": day})
    assert response.status_code == 200, response.content
    return response.json()["results"][0]["tat_compliance"]


def test_worked_examples_in_open_time(london):
    _, _, admin = london
    assert _open_hours() == {"E1": 2.0, "E2": 8.0, "E3": 8.5}
    assert _tat("2026-12-24") == (1, 1)  # E1: 2 h
    assert _tat("2026-12-19") == (1, 1)  # E2: exactly 8 h
    assert _tat("2026-12-21") == (0, 1)  # E3: 8.5 h
    assert _api_compliance(admin, "2026-12-24") == 100.0
    assert _api_compliance(admin, "2026-12-21") == 0.0
    response = api_as(admin).get(
        "/api/v1/kpis/", {"process": "UK-MAIL", "start": "2026-12-01", "end": "2026-12-31", "group_by": "total"}
    )
    assert response.json()["results"][0]["tat_compliance"] == round(2 / 3 * 100, 2)


def test_changing_the_calendar_marks_the_days_and_the_recompute_changes_the_figures(london):
    _, calendar, admin = london
    assert not KpiMark.objects.exists()
    # Open 08:00–17:00: E1 3 h, E2 9 h (late now), E3 9 h + 1.5 h.
    longer = [{"weekday": d, "start": time(8), "end": time(17)} for d in range(5)]
    calendar_update(actor=admin, calendar=calendar, hours=longer)
    assert set(KpiMark.objects.values_list("local_date", flat=True)) == {
        date(2026, 12, 19),
        date(2026, 12, 21),
        date(2026, 12, 24),
    }
    engine.recompute_marked()
    assert _open_hours() == {"E1": 3.0, "E2": 9.0, "E3": 10.5}
    assert _tat("2026-12-19") == (0, 1)
    assert _api_compliance(admin, "2026-12-19") == 0.0
    # Christmas Eve a holiday open 09:00–12:00 only: E1 (arrived 16:00) now starts on Monday.
    calendar_update(
        actor=admin,
        calendar=calendar,
        holidays=[*CHRISTMAS, {"date": date(2026, 12, 24), "start": time(9), "end": time(12)}],
    )
    engine.recompute_marked()
    assert _open_hours()["E1"] == 2.0


def test_the_processes_calendar_is_a_kpi_setting(london):
    process, _, admin = london
    process_update(actor=admin, process=process, calendar=None)
    assert KpiMark.objects.filter(process=process).count() == 3
    engine.recompute_marked()
    assert set(_open_hours().values()) == {None}  # no calendar: wall-clock durations
    assert _tat("2026-12-19") == (0, 1)  # 55.5 h
    assert _api_compliance(admin, "2026-12-24") == 0.0  # 90 h
    process.refresh_from_db()
    process_update(actor=admin, process=process, calendar=ServiceCalendar.objects.get(code="UK-OFFICE"))
    engine.recompute_marked()
    assert _open_hours() == {"E1": 2.0, "E2": 8.0, "E3": 8.5}


def test_a_full_recompute_keeps_the_open_time(london):
    Interaction.objects.update(open_seconds=None)
    engine.recompute_all()
    assert _open_hours() == {"E1": 2.0, "E2": 8.0, "E3": 8.5}
    assert _tat("2026-12-21") == (0, 1)


def test_without_a_calendar_open_seconds_is_cleared(london):
    process, _, _ = london
    Process.objects.filter(pk=process.pk).update(calendar=None)
    refresh_processes([process])
    assert set(_open_hours().values()) == {None}


def test_only_tat_items_get_an_open_time(london):
    process, _, admin = london
    Process.objects.filter(pk=process.pk).update(channel="voice")
    load(
        [
            row("V1", "2026-12-21T10:00:00+00:00", process="UK-MAIL", agent="U1", channel="voice",
                answered_at="2026-12-21T10:00:05+00:00", ended_at="2026-12-21T10:05:00+00:00", talk=60),
            row("M4", "2026-12-21T10:00:00+00:00", process="UK-MAIL", agent="U1", channel="email",
                answered_at="2026-12-21T10:00:05+00:00", talk=60),  # no end yet
        ],
        user=admin,
    )  # fmt: skip
    hours = _open_hours()
    assert hours["V1"] is None and hours["M4"] is None


def test_postgresql_the_same(london):
    if connection.vendor != "postgresql":
        pytest.skip("set DATABASE_URL to a PostgreSQL database to run this on PostgreSQL")
    _, calendar, admin = london
    assert _open_hours() == {"E1": 2.0, "E2": 8.0, "E3": 8.5}
    calendar_update(
        actor=admin, calendar=calendar, hours=[{"weekday": d, "start": time(8), "end": time(17)} for d in range(5)]
    )
    engine.recompute_marked()
    assert _open_hours() == {"E1": 3.0, "E2": 9.0, "E3": 10.5}
