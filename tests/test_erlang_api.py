"""GET /api/v1/erlang/, the Erlang C calculator (API.md, WFM.md): the worked example C1 through
the API, the defaults, a 400 with a message per bad or missing input, and who may use it
(workforce.capabilities: administrators, operations managers and team leaders)."""

import pytest

from tests.conftest import api_as

C1 = {"contacts": "100", "interval_seconds": "1800", "aht": "180", "target": "80", "threshold": "20"}
URL = "/api/v1/erlang/"


@pytest.fixture
def api(alpha):
    return api_as(alpha.ops)


def test_c1_through_the_api(api):
    response = api.get(URL, C1)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "traffic": 10.0,
        "agents": 14,
        "agents_with_shrinkage": 20,
        "service_level": 88.84,
        "asa": 7.84,
        "occupancy": 71.43,
        "probability_wait": 0.1741,
    }


def test_defaults_are_thirty_percent_shrinkage_eighty_five_percent_occupancy_concurrency_one(api):
    explicit = api.get(URL, {**C1, "shrinkage": "30", "max_occupancy": "85", "concurrency": "1"}).json()
    assert api.get(URL, C1).json() == explicit
    assert api.get(URL, {**C1, "shrinkage": ""}).json() == explicit  # an empty parameter is no parameter


def test_optional_inputs_move_the_answer(api):
    assert api.get(URL, {**C1, "shrinkage": "0"}).json()["agents_with_shrinkage"] == 14
    assert api.get(URL, {**C1, "target": "10", "threshold": "60"}).json()["agents"] == 12  # the 85 % cap binds
    assert api.get(URL, {**C1, "target": "10", "threshold": "60", "max_occupancy": "100"}).json()["agents"] == 11
    chat = api.get(URL, {**C1, "aht": "360", "concurrency": "2"}).json()
    assert (chat["traffic"], chat["agents"]) == (10.0, 14)


def test_zero_contacts_need_no_agents(api):
    body = api.get(URL, {**C1, "contacts": "0"}).json()
    assert body == {
        "traffic": 0.0,
        "agents": 0,
        "agents_with_shrinkage": 0,
        "service_level": 100.0,
        "asa": 0.0,
        "occupancy": None,
        "probability_wait": 0.0,
    }


@pytest.mark.parametrize("name", ["contacts", "interval_seconds", "aht", "target", "threshold"])
def test_each_missing_input_is_a_400_naming_it(api, name):
    query = {key: value for key, value in C1.items() if key != name}
    response = api.get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == [name]
    assert "required" in response.json()[name][0]


def test_every_missing_input_is_named_at_once(api):
    response = api.get(URL)
    assert response.status_code == 400
    assert set(response.json()) == {"contacts", "interval_seconds", "aht", "target", "threshold"}


@pytest.mark.parametrize(
    "name,value",
    [
        ("contacts", "-1"),
        ("contacts", "abc"),
        ("contacts", "nan"),
        ("contacts", "1e999"),
        ("contacts", "%00"),
        ("contacts", "\x00"),
        ("contacts", "１００"),
        ("interval_seconds", "0"),
        ("aht", "0"),
        ("aht", "-180"),
        ("target", "100"),
        ("target", "-5"),
        ("target", "80%"),
        ("threshold", "-1"),
        ("shrinkage", "100"),
        ("shrinkage", "-1"),
        ("max_occupancy", "0"),
        ("max_occupancy", "101"),
        ("concurrency", "0.5"),
        ("concurrency", "two"),
    ],
)
def test_each_bad_input_is_a_400_with_its_own_message(api, name, value):
    response = api.get(URL, {**C1, name: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [name]
    assert isinstance(body[name], list) and body[name][0]


def test_traffic_beyond_the_calculator_is_a_400(api):
    response = api.get(URL, {**C1, "contacts": "1000000000"})
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


@pytest.mark.parametrize("actor", ["ops", "team_leader"])
def test_managers_and_team_leaders_may_plan(alpha, actor):
    assert api_as(getattr(alpha, actor)).get(URL, C1).status_code == 200


def test_an_administrator_may_plan(admin_user):
    assert api_as(admin_user).get(URL, C1).status_code == 200


@pytest.mark.parametrize("actor", ["client_user", "agent_user", "qa"])
def test_clients_agents_and_qa_analysts_are_refused(alpha, actor):
    response = api_as(getattr(alpha, actor)).get(URL, C1)
    assert response.status_code == 403


def test_anonymous_gets_401(db):
    assert api_as(None).get(URL, C1).status_code == 401


def test_the_schema_documents_the_calculator(db):
    schema = api_as(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {
        "contacts",
        "interval_seconds",
        "aht",
        "target",
        "threshold",
        "shrinkage",
        "max_occupancy",
        "concurrency",
    }
    assert all(parameters[name]["required"] for name in ("contacts", "interval_seconds", "aht", "target", "threshold"))
    assert {"200", "400", "401", "403", "429"} <= set(operation["responses"])
    result = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][result]["properties"]) == {
        "traffic",
        "agents",
        "agents_with_shrinkage",
        "service_level",
        "asa",
        "occupancy",
        "probability_wait",
    }
