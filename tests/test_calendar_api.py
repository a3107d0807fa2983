"""/api/v1/calendars/ (API.md), a process's `calendar` field, and the calendar pages."""

from datetime import date, time

import pytest

from calendars.models import Holiday, ServiceCalendar
from calendars.services import calendar_create
from processes.models import KpiMark
from tests.conftest import api_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

BODY = {
    "code": "ALPHA-CAL",
    "client": "ALPHA",
    "name": "Alpha office",
    "hours": [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
        {"weekday": 4, "start": "09:00", "end": "17:00"},
    ],
    "holidays": [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2026-12-24", "start": "09:00", "end": "12:00"},
    ],
}


@pytest.fixture
def calendar(alpha):
    return calendar_create(
        actor=alpha.ops,
        client=alpha.client,
        code="ALPHA-CAL",
        name="Alpha office",
        hours=[{"weekday": 0, "start": time(9), "end": time(17)}],
        holidays=[{"date": date(2026, 12, 25)}],
    )


@pytest.fixture
def bravo_calendar(bravo):
    return calendar_create(actor=bravo.ops, client=bravo.client, code="BRAVO-CAL", name="Bravo office")


def test_create_read_and_replace_the_lists(alpha):
    api = api_as(alpha.ops)
    response = api.post("/api/v1/calendars/", BODY, format="json")
    assert response.status_code == 201, response.content
    got = api.get("/api/v1/calendars/ALPHA-CAL/").json()
    assert got["client"] == "ALPHA" and got["name"] == "Alpha office"
    assert got["hours"] == BODY["hours"]
    assert got["holidays"] == [
        {"date": "2026-12-24", "start": "09:00", "end": "12:00", "name": ""},
        {"date": "2026-12-25", "start": None, "end": None, "name": "Christmas Day"},
    ]
    response = api.patch(
        "/api/v1/calendars/ALPHA-CAL/", {"hours": [{"weekday": 6, "start": "10:00", "end": "11:30"}]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["hours"] == [{"weekday": 6, "start": "10:00", "end": "11:30"}]
    assert len(response.json()["holidays"]) == 2  # not given: kept
    listed = api.get("/api/v1/calendars/").json()
    assert [row["code"] for row in listed["results"]] == ["ALPHA-CAL"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": [{"weekday": 0, "start": "12:00", "end": "09:00"}]}, "hours"),
        ({"hours": [{"weekday": 0, "start": "09:00", "end": "09:00"}]}, "hours"),
        ({"hours": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}, "hours"),
        ({"hours": [{"weekday": 0, "start": "9am", "end": "10:00"}]}, "hours"),
        ({"hours": [{"weekday": 0, "start": "25:00", "end": "26:00"}]}, "hours"),
        (
            {
                "hours": [
                    {"weekday": 0, "start": "09:00", "end": "12:00"},
                    {"weekday": 0, "start": "11:00", "end": "13:00"},
                ]
            },
            "hours",
        ),
        ({"holidays": [{"date": "2026-12-24", "start": "09:00"}]}, "holidays"),
        ({"holidays": [{"date": "2026-13-01"}]}, "holidays"),
        ({"holidays": [{"date": "2026-12-24", "start": "09:00", "end": "12:00"}] * 2}, "holidays"),
        ({"holidays": [{"date": "2026-12-24"}, {"date": "2026-12-24", "start": "09:00", "end": "12:00"}]}, "holidays"),
        ({"holidays": [{"date": "2026-12-24"}, {"date": "2026-12-24"}]}, "holidays"),
        ({"code": "bad code!"}, "code"),
        ({"client": "NOPE"}, "client"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alpha, change, field):
    response = api_as(alpha.ops).post("/api/v1/calendars/", {**BODY, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not ServiceCalendar.objects.exists()


def test_overlap_message_names_the_rows(alpha):
    hours = [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}]
    response = api_as(alpha.ops).post("/api/v1/calendars/", {**BODY, "hours": hours}, format="json")
    assert response.json()["hours"] == ["row 2 (Monday 11:00–13:00) overlaps row 1 (Monday 09:00–12:00)."]


def test_scope_and_roles(alpha, bravo, calendar, bravo_calendar):
    assert api_as(alpha.ops).get("/api/v1/calendars/BRAVO-CAL/").status_code == 404
    assert api_as(alpha.ops).patch("/api/v1/calendars/BRAVO-CAL/", {"name": "x"}, format="json").status_code == 404
    assert api_as(alpha.team_leader).get("/api/v1/calendars/ALPHA-CAL/").status_code == 200
    assert api_as(alpha.team_leader).get("/api/v1/calendars/BRAVO-CAL/").status_code == 404
    assert (
        api_as(alpha.team_leader).patch("/api/v1/calendars/ALPHA-CAL/", {"name": "x"}, format="json").status_code == 403
    )
    for user in (alpha.client_user, alpha.agent_user, alpha.qa):
        assert api_as(user).get("/api/v1/calendars/").status_code == 403
    moved = api_as(alpha.ops).patch("/api/v1/calendars/ALPHA-CAL/", {"client": "BRAVO"}, format="json")
    assert moved.status_code == 400 and "client" in moved.json()


def test_a_process_names_a_calendar_of_its_own_client(alpha, bravo, calendar, bravo_calendar):
    api = api_as(alpha.ops)
    other = calendar_create(actor=alpha.ops, client=ClientFactory(code="OTHER"), code="OTHER-CAL", name="Other")
    assert api.get("/api/v1/processes/ALPHA-VOICE/").json()["calendar"] is None
    response = api.patch("/api/v1/processes/ALPHA-VOICE/", {"calendar": "ALPHA-CAL"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["calendar"] == "ALPHA-CAL"
    refused = api.patch("/api/v1/processes/ALPHA-VOICE/", {"calendar": other.code}, format="json")
    assert refused.status_code == 400 and "calendar" in refused.json()
    foreign = api.patch("/api/v1/processes/ALPHA-VOICE/", {"calendar": "BRAVO-CAL"}, format="json")
    assert foreign.status_code == 400 and "calendar" in foreign.json()
    assert "BRAVO" not in foreign.content.decode().replace("BRAVO-CAL", "")
    cleared = api.patch("/api/v1/processes/ALPHA-VOICE/", {"calendar": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["calendar"] is None


def test_a_calendar_change_marks_the_days_of_its_processes(alpha, calendar):
    from tests.kpi_helpers import good_row, load

    api = api_as(alpha.ops)
    api.patch("/api/v1/processes/ALPHA-VOICE/", {"calendar": "ALPHA-CAL"}, format="json")
    load([good_row()], user=alpha.ops)
    assert not KpiMark.objects.exists()
    api.patch("/api/v1/calendars/ALPHA-CAL/", {"holidays": []}, format="json")
    assert list(KpiMark.objects.values_list("process__code", "local_date")) == [("ALPHA-VOICE", date(2026, 10, 1))]


# --- pages ------------------------------------------------------------------------------------------


def test_pages_list_detail_and_edit(client, alpha, bravo, calendar, bravo_calendar):
    client.force_login(alpha.ops)
    listed = client.get("/calendars/").content.decode()
    assert "ALPHA-CAL" in listed and "BRAVO" not in listed
    detail = client.get("/calendars/ALPHA-CAL/").content.decode()
    assert "09:00–17:00" in detail and "closed all day" in detail
    assert client.get("/calendars/BRAVO-CAL/").status_code == 404
    assert client.get("/calendars/ALPHA-CAL/edit/").status_code == 200
    data = {
        "client": alpha.client.pk,
        "code": "ALPHA-CAL",
        "name": "Alpha office hours",
        "hours-TOTAL_FORMS": "3",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "08:00",
        "hours-0-end": "12:00",
        "hours-1-weekday": "0",
        "hours-1-start": "13:00",
        "hours-1-end": "18:00",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-12-31",
        "holidays-0-start": "09:00",
        "holidays-0-end": "12:00",
        "holidays-0-name": "New Year's Eve",
    }
    response = client.post("/calendars/ALPHA-CAL/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    calendar.refresh_from_db()
    assert calendar.name == "Alpha office hours"
    assert [(h.start, h.end) for h in calendar.hours.all()] == [(time(8), time(12)), (time(13), time(18))]
    assert list(calendar.holidays.values_list("date", "name")) == [(date(2026, 12, 31), "New Year's Eve")]
    # overlapping rows: the form again, with the service's message
    bad = {**data, "hours-1-start": "11:00"}
    response = client.post("/calendars/ALPHA-CAL/edit/", bad)
    assert response.status_code == 200
    assert "overlaps" in response.content.decode()


def test_create_page(client, alpha):
    client.force_login(alpha.ops)
    assert client.get("/calendars/new/").status_code == 200
    data = {
        "client": alpha.client.pk,
        "code": "ALPHA-NEW",
        "name": "New",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "2",
        "hours-0-start": "09:00",
        "hours-0-end": "17:00",
        "holidays-TOTAL_FORMS": "0",
        "holidays-INITIAL_FORMS": "0",
    }
    response = client.post("/calendars/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert ServiceCalendar.objects.get(code="ALPHA-NEW").hours.count() == 1
    missing_end = {**data, "code": "ALPHA-NEW2", "hours-0-end": ""}
    assert client.post("/calendars/new/", missing_end).status_code == 200
    assert not ServiceCalendar.objects.filter(code="ALPHA-NEW2").exists()


def test_prefill_public_holidays(client, alpha, calendar):
    client.force_login(alpha.ops)
    assert client.get("/calendars/ALPHA-CAL/public-holidays/").status_code == 200
    response = client.post(
        "/calendars/ALPHA-CAL/public-holidays/", {"country": "GB", "subdivision": "ENG", "year": "2026"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    days = dict(Holiday.objects.filter(calendar=calendar).values_list("date", "name"))
    assert days[date(2026, 12, 25)] == ""  # already there: kept as it was
    assert days[date(2026, 4, 3)] == "Good Friday"
    assert days[date(2026, 12, 28)] == "Boxing Day (observed)"
    assert len(days) == 9  # England's bank holidays of 2026 (Boxing Day observed on the Monday)
    again = client.post(
        "/calendars/ALPHA-CAL/public-holidays/", {"country": "GB", "subdivision": "ENG", "year": "2026"}
    )
    assert again.status_code == 302
    assert Holiday.objects.filter(calendar=calendar).count() == 9
    bad = client.post("/calendars/ALPHA-CAL/public-holidays/", {"country": "GB", "subdivision": "XX", "year": "2026"})
    assert bad.status_code == 200 and "subdivision" in bad.content.decode()


def test_team_leader_reads_but_does_not_edit(client, alpha, calendar):
    client.force_login(alpha.team_leader)
    assert client.get("/calendars/ALPHA-CAL/").status_code == 200
    assert client.get("/calendars/ALPHA-CAL/edit/").status_code == 403
    client.force_login(alpha.client_user)
    assert client.get("/calendars/").status_code == 403


def test_process_form_offers_only_the_clients_calendars(client, alpha, bravo, calendar, bravo_calendar):
    calendar_create(actor=alpha.ops, client=ClientFactory(code="OTHER"), code="OTHER-CAL", name="Other")
    client.force_login(alpha.ops)
    page = client.get("/processes/ALPHA-VOICE/edit/").content.decode()
    assert "ALPHA-CAL" in page and "OTHER-CAL" not in page and "BRAVO-CAL" not in page
