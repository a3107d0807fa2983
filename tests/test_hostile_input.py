"""Hostile input gets a clear 400, never a server error (issue 14, finding 3).

One layer answers for every route (bpo_portal/middleware.py: NUL and other unstorable characters
in the path, query, form fields and credentials headers, oversize bodies; bpo_portal/drf.py: the
API's JSON parser with its size and nesting limits, and the datetime rule of bpo_portal/parsing.py
for filters and serializers): JSON in the API's error shapes on /api/, a page with a message
elsewhere. These are the cases the probe found; tests/test_page_fuzz.py sends such values to
every route. NUL matters on PostgreSQL (SQLite stores it): run this file there too.
"""

import json

import pytest
from django.urls import reverse

from bpo_portal.parsing import offset_problem, parse_aware_datetime, unstorable_character
from tests.conftest import api_as
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _json_400(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


# --- the helpers -------------------------------------------------------------------------------------


def test_unstorable_characters_are_named():
    assert unstorable_character("plain text, é, 日本, 🎧") is None
    assert unstorable_character("a\x00b") == "NUL (U+0000)"
    assert unstorable_character("x\ud800") == "lone surrogate U+D800"


@pytest.mark.parametrize(
    "text,ok",
    [
        ("2026-10-01T09:00:00+05:30", True),
        ("2026-10-01T09:00:00Z", True),
        ("2026-10-01T09:00:00+14:00", True),
        ("2026-10-01T09:00:00-12:00", True),
        ("2026-10-01T09:00:00+14:01", False),
        ("2026-10-01T09:00:00-12:01", False),
        ("2026-12-26T23:49:10-19:31", False),
        ("2026-12-26T23:49:10+19:31", False),
        ("2026-10-01T09:00:00-23:59", False),
    ],
)
def test_offsets_are_those_real_zones_use(text, ok):
    if ok:
        assert offset_problem(parse_aware_datetime(text)) is None
    else:
        with pytest.raises(ValueError, match=r"is not used by any time zone \(offsets run −12:00 to \+14:00\)"):
            parse_aware_datetime(text)


@pytest.mark.parametrize("text", ["2026-10-01T09:00:00", "2026-10-01", "yesterday", ""])
def test_a_timestamp_without_offset_or_not_iso_is_refused_with_its_text(text):
    with pytest.raises(ValueError, match=f"'{text}'"):
        parse_aware_datetime(text)


# --- NUL in query parameters, form fields, paths ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/clients/?q=%00",
        "/dashboard/interactions/?process=%00",
        "/reports/?client=%00",
        "/work/?assignee=%00",
        "/clients/?q=abc%00def&page=1",
        "/clients/?q%00=1",
    ],
)
def test_a_nul_in_a_page_parameter_is_a_400_page_with_a_message(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 400, url
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "NUL (U+0000)" in text and "cannot be used" in text
    assert 'href="/"' in text or reverse("home") in text  # the menu and a way on


def test_a_nul_in_a_path_segment_is_a_400(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/clients/AC%00ME/")
    assert response.status_code == 400
    assert "The address contains NUL (U+0000)" in response.content.decode()


def test_a_nul_in_an_api_filter_is_a_json_400_naming_the_parameter(alpha):
    body = _json_400(api_as(alpha.ops).get("/api/v1/kpis/?team=%00"))
    assert body == {"team": ["The parameter 'team' contains NUL (U+0000), which cannot be used: remove it."]}


def test_a_nul_in_the_token_username_is_a_json_400(client, alpha, password):
    for payload, kind in ((json.dumps({"username": "ops\x00x", "password": password}), "application/json"),):
        body = _json_400(client.post("/api/v1/auth/token/", payload, content_type=kind))
        assert "NUL (U+0000)" in body["detail"] and "username" in body["detail"]
    body = _json_400(client.post("/api/v1/auth/token/", {"username": "ops\x00x", "password": password}))
    assert body == {"username": ["The field 'username' contains NUL (U+0000), which cannot be used: remove it."]}


def test_a_nul_in_a_page_form_field_is_a_400_and_changes_nothing(client, admin_user, alpha):
    client.force_login(admin_user)
    url = reverse("clients:edit", kwargs={"code": alpha.client.code})
    response = client.post(url, {"name": "Evil\x00Corp", "timezone": "UTC"})
    assert response.status_code == 400
    alpha.client.refresh_from_db()
    assert alpha.client.name == "Alpha Holdings"


def test_a_nul_in_the_session_cookie_is_a_plain_400(client):
    response = client.get("/clients/", HTTP_COOKIE="sessionid=abc\x00def")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


# --- the bulk import API: NUL, nesting, size ------------------------------------------------------


BULK = "/api/v1/interactions/bulk/"


def _record(**overrides):
    record = {"external_id": "h-1", "process": "ALPHA-VOICE", "arrived_at": "2026-10-01T09:00:00+05:30"}
    return {**record, **overrides}


def test_a_nul_in_a_bulk_record_is_a_json_400_naming_the_record_and_field(alpha):
    body = _json_400(api_as(alpha.ops).post(BULK, [_record(), _record(external_id="h\x002")], format="json"))
    assert body == {"detail": "[1].external_id contains NUL (U+0000), which cannot be stored: remove it."}


def test_a_lone_surrogate_in_a_bulk_record_is_a_json_400(alpha):
    raw = '[{"external_id": "h-\\ud800", "process": "ALPHA-VOICE", "arrived_at": "2026-10-01T09:00:00Z"}]'
    body = _json_400(api_as(alpha.ops).post(BULK, raw, content_type="application/json"))
    assert "lone surrogate U+D800" in body["detail"]


@pytest.mark.parametrize("depth", [33, 10_000])
def test_absurd_nesting_is_a_json_400(alpha, depth):
    raw = "[" * depth + "]" * depth
    body = _json_400(api_as(alpha.ops).post(BULK, raw, content_type="application/json"))
    assert "nested more than 32 levels deep" in body["detail"]


def test_ordinary_nesting_still_passes_the_parser(alpha):
    # Depth 32 is fine for the parser; the import then says what is wrong with the record.
    raw = "[" * 31 + "{}" + "]" * 31
    response = api_as(alpha.ops).post(BULK, raw, content_type="application/json")
    assert response.status_code == 400
    assert "nested" not in json.dumps(response.json())


def test_an_oversize_body_is_a_json_400_on_the_api(alpha, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw = json.dumps([_record(external_id=f"h-{n}") for n in range(100)])
    assert len(raw) > 1024
    body = _json_400(api_as(alpha.ops).post(BULK, raw, content_type="application/json"))
    assert body == {"detail": "The request body is larger than the limit of 1,024 bytes (0 MB)."} or (
        "larger than the limit of 1,024 bytes" in body["detail"]
    )


def test_an_oversize_body_without_content_length_is_a_json_400_from_the_parser(alpha, settings):
    from io import BytesIO

    from rest_framework.exceptions import ParseError

    from bpo_portal.drf import SafeJSONParser

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(ParseError, match="larger than the limit of 100 bytes"):
        SafeJSONParser().parse(BytesIO(b"[" + b"1," * 100 + b"1]"), "application/json", {})


def test_an_oversize_form_is_a_json_400_on_the_api_and_a_page_400_elsewhere(client, settings, admin_user):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = _json_400(client.post("/api/v1/auth/token/", {"username": "x" * 2000, "password": "y"}))
    assert "larger than the limit" in body["detail"]
    client.force_login(admin_user)
    response = client.post("/clients/new/", {"name": "x" * 2000})
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()


# --- timestamps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-12-26T23:49:10-19:31", "2026-12-26T23:49:10+16:00"])
def test_an_offset_no_zone_uses_in_due_before_is_a_json_400(alpha, value):
    response = api_as(alpha.ops).get("/api/v1/work-items/", {"due_before": value})
    body = _json_400(response)
    assert list(body) == ["due_before"]
    assert "is not used by any time zone" in body["due_before"][0]


def test_due_before_with_a_real_offset_filters(alpha):
    from tests.test_access_walk import _work_item

    item = _work_item(alpha)
    api = api_as(alpha.ops)
    after = api.get("/api/v1/work-items/", {"due_before": "2999-01-01T00:00:00+14:00"})
    assert after.status_code == 200 and item.pk in [row["id"] for row in after.json()["results"]]
    before = api.get("/api/v1/work-items/", {"due_before": "1999-01-01T00:00:00-12:00"})
    assert before.status_code == 200 and before.json()["count"] == 0


def test_a_naive_due_before_is_refused_with_its_text(alpha):
    body = _json_400(api_as(alpha.ops).get("/api/v1/work-items/", {"due_before": "2026-10-01T09:00:00"}))
    assert "has no UTC offset" in body["due_before"][0]


def test_a_written_timestamp_with_an_offset_no_zone_uses_is_a_json_400(alpha):
    response = api_as(alpha.ops).post(
        "/api/v1/work-items/",
        {"process": alpha.process.code, "title": "Call back", "due_at": "2026-12-26T23:49:10-19:31"},
        format="json",
    )
    body = _json_400(response)
    assert "is not used by any time zone" in body["due_at"][0]


# --- optional relations -------------------------------------------------------------------------------


def test_the_team_page_of_a_team_without_a_leader(client, admin_user, alpha):
    team = TeamFactory(code="T-NOLEAD", name="Leaderless", leader=None)
    client.force_login(admin_user)
    response = client.get(reverse("dashboards:team", kwargs={"code": team.code}))
    assert response.status_code == 200
    assert "No team leader" in response.content.decode()
    alpha.team.leader = None
    alpha.team.save()
    response = client.get(reverse("dashboards:team", kwargs={"code": alpha.team.code}))
    assert response.status_code == 200
