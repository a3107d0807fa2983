"""GET /api/v1/staffing/ (API.md): the day's staffing per interval, its inputs at the top, the
paginated list shape, per-field 400s, 403 for roles without workforce.view, 404 outside scope."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import api_as
from tests.factories import ProcessFactory
from workforce.models import Forecast

pytestmark = pytest.mark.django_db

URL = "/api/v1/staffing/"
DAY = date(2026, 10, 5)
FIELDS = {"interval_start", "contacts", "aht", "traffic", "required", "required_with_shrinkage", "scheduled", "gap",
          "service_level", "asa", "occupancy", "probability_wait"}  # fmt: skip


def _c1(process, day=DAY):
    """C1 in the 30-minute interval from local 09:00 (the process plans in 30 minutes)."""
    process.interval_minutes = 30
    process.save()
    start = datetime.combine(day, time(9), tzinfo=ZoneInfo(process.timezone)).astimezone(UTC)
    Forecast.objects.create(process=process, interval_start=start, local_date=day, method="weighted_weeks",
                            base_contacts=100, contacts=100, aht=180, generated_at=timezone.now())  # fmt: skip
    return start


def test_the_day_per_interval_with_its_inputs(alpha):
    _c1(alpha.process)
    response = api_as(alpha.ops).get(URL, {"process": "alpha-voice", "date": "2026-10-05"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["process"] == "ALPHA-VOICE" and body["date"] == "2026-10-05"
    assert (body["target"], body["threshold"], body["shrinkage"], body["max_occupancy"], body["concurrency"]) == (
        80, 20, 30, 85, 1)  # fmt: skip
    assert body["count"] == 48 and len(body["results"]) == 48 and body["next"] is None and body["previous"] is None
    row = next(r for r in body["results"] if r["contacts"])
    assert set(row) >= FIELDS
    assert row["interval_start"] == "2026-10-05T09:00:00+05:30"  # Asia/Kolkata, the local offset
    assert (row["contacts"], row["aht"], row["traffic"], row["required"], row["required_with_shrinkage"]) == (
        100, 180, 10, 14, 20)  # fmt: skip
    # The tenant's agent is staffed on the process: 1 available, 1 − 20 = −19.
    assert (row["scheduled"], row["gap"]) == (1, -19)
    assert (row["service_level"], row["asa"], row["occupancy"], row["probability_wait"]) == (88.84, 7.84, 71.43, 0.1741)
    empty = body["results"][0]
    assert (empty["required"], empty["service_level"], empty["asa"], empty["occupancy"]) == (0, 100, 0, None)
    assert body["agent_hours"] == 7 and body["fte"] == 1.25


def test_pages(alpha):
    _c1(alpha.process)
    body = api_as(alpha.ops).get(URL, {"process": "ALPHA-VOICE", "date": "2026-10-05", "page_size": 20}).json()
    assert body["count"] == 48 and len(body["results"]) == 20 and "page=2" in body["next"]
    assert (
        api_as(alpha.ops).get(URL, {"process": "ALPHA-VOICE", "date": "2026-10-05", "page_size": 0}).status_code == 400
    )


@pytest.mark.parametrize(
    "query,field",
    [
        ({"date": "2026-10-05"}, "process"),
        ({"process": "ALPHA-VOICE"}, "date"),
        ({"process": "ALPHA-VOICE", "date": "2026-13-01"}, "date"),
        ({"process": "ALPHA-VOICE", "date": "05/10/2026"}, "date"),
        ({"process": "ALPHA-VOICE", "date": "２０２６-10-05"}, "date"),
        ({"process": "ALPHA-VOICE", "date": "0001-01-01"}, "date"),  # its local day would leave the calendar
        ({"process": "ALPHA-VOICE", "date": "9999-12-31"}, "date"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(alpha, query, field):
    response = api_as(alpha.ops).get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_both_missing_name_both(alpha):
    assert set(api_as(alpha.ops).get(URL).json()) == {"process", "date"}


@pytest.mark.parametrize("actor", ["client_user", "agent_user", "qa"])
def test_roles_without_workforce_view_get_403(alpha, actor):
    response = api_as(getattr(alpha, actor)).get(URL, {"process": "ALPHA-VOICE", "date": "2026-10-05"})
    assert response.status_code == 403


def test_another_tenants_process_is_a_404_like_an_unknown_one(alpha, bravo):
    _c1(bravo.process)
    foreign = api_as(alpha.ops).get(URL, {"process": "BRAVO-VOICE", "date": "2026-10-05"})
    unknown = api_as(alpha.ops).get(URL, {"process": "NOPE-VOICE", "date": "2026-10-05"})
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert "BRAVO" not in foreign.content.decode()


def test_team_leader_reads_only_the_processes_of_their_agents(alpha, bravo):
    other = ProcessFactory(client=alpha.client, code="ALPHA-MAIL", channel="email")
    api = api_as(alpha.team_leader)
    assert api.get(URL, {"process": "ALPHA-VOICE", "date": "2026-10-05"}).status_code == 200
    assert api.get(URL, {"process": "ALPHA-CHAT", "date": "2026-10-05"}).status_code == 200
    assert api.get(URL, {"process": other.code, "date": "2026-10-05"}).status_code == 404
    assert api.get(URL, {"process": "BRAVO-VOICE", "date": "2026-10-05"}).status_code == 404


def test_anonymous_gets_401():
    assert api_as(None).get(URL, {"process": "X", "date": "2026-10-05"}).status_code == 401


def test_the_schema_documents_the_endpoint(alpha):
    schema = api_as(alpha.ops).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/staffing/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"process", "date", "page", "page_size"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    results = schema["components"]["schemas"][ref]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][results]["properties"]) >= FIELDS


def test_a_dst_day_has_100_quarter_hours(alpha):
    alpha.process.timezone = "Europe/London"
    alpha.process.save()
    body = api_as(alpha.ops).get(URL, {"process": "ALPHA-VOICE", "date": "2026-10-25"}).json()
    assert body["count"] == 100 and len(body["results"]) == 100
    assert body["results"][4]["interval_start"] == "2026-10-25T01:00:00+01:00"
    assert body["results"][8]["interval_start"] == "2026-10-25T01:00:00+00:00"
