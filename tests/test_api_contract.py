"""The master-data API exactly as API.md names it: paths, fields, errors, pagination."""

import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from agents.models import Agent
from processes.models import Process
from tests.conftest import api_as
from tests.factories import AgentFactory, ProcessFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- auth -----------------------------------------------------------------------------------------


def test_token_auth_round_trip(alpha, password):
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "ops_alpha", "password": password}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    codes = [c["code"] for c in api.get("/api/v1/clients/").json()["results"]]
    assert codes == ["ALPHA"]


def test_token_refused_for_wrong_password(alpha):
    response = APIClient().post("/api/v1/auth/token/", {"username": "ops_alpha", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_no_credentials_is_401_with_token_challenge():
    response = APIClient().get("/api/v1/processes/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert api.get("/api/v1/clients/").status_code == 401


# --- clients --------------------------------------------------------------------------------------


def test_client_fields_and_create(ops_all):
    api = api_as(ops_all)
    response = api.post(
        "/api/v1/clients/", {"code": "NEWCO", "name": "New Co", "timezone": "Asia/Kolkata"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"code", "name", "timezone", "active"} <= set(body)
    assert body["active"] is True and body["timezone"] == "Asia/Kolkata"
    assert api.get("/api/v1/clients/NEWCO/").json()["name"] == "New Co"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"code": "X1", "name": "X", "timezone": "Mars/Base"}, "timezone"),
        ({"code": "ALPHA", "name": "X", "timezone": "UTC"}, "code"),
        ({"code": "alpha", "name": "X", "timezone": "UTC"}, "code"),
        ({"code": "has space", "name": "X", "timezone": "UTC"}, "code"),
        ({"code": "", "name": "X", "timezone": "UTC"}, "code"),
        ({"code": "X2", "timezone": "UTC"}, "name"),
        ({"code": "X3", "name": "X", "timezone": "UTC", "monthly_fee": -5}, "monthly_fee"),
    ],
)
def test_client_validation_errors_are_400_with_field_messages(ops_all, alpha, payload, field):
    response = api_as(ops_all).post("/api/v1/clients/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_client_patch_and_no_delete_or_put(ops_all, alpha):
    api = api_as(ops_all)
    assert api.patch("/api/v1/clients/ALPHA/", {"name": "Alpha Group"}, format="json").status_code == 200
    assert api.get("/api/v1/clients/ALPHA/").json()["name"] == "Alpha Group"
    assert api.delete("/api/v1/clients/ALPHA/").status_code == 405
    assert api.put("/api/v1/clients/ALPHA/", {}, format="json").status_code == 405


def test_client_user_sees_only_their_client_and_cannot_write(alpha, bravo):
    api = api_as(alpha.client_user)
    assert [c["code"] for c in api.get("/api/v1/clients/").json()["results"]] == ["ALPHA"]
    assert api.get("/api/v1/clients/BRAVO/").status_code == 404
    assert api.patch("/api/v1/clients/ALPHA/", {"name": "Mine"}, format="json").status_code == 403


def test_floor_staff_do_not_see_contract_money(alpha):
    alpha.client.monthly_fee = 1000
    alpha.client.save()
    assert "monthly_fee" not in api_as(alpha.agent_user).get("/api/v1/clients/ALPHA/").json()
    assert api_as(alpha.client_user).get("/api/v1/clients/ALPHA/").json()["monthly_fee"] == "1000.00"


# --- processes ------------------------------------------------------------------------------------

PROCESS = {
    "code": "ALPHA-EMAIL",
    "client": "ALPHA",
    "name": "Alpha email",
    "channel": "email",
    "sla_targets": [
        {"metric": "service_level", "comparator": ">=", "target": 90, "credit_percent": 2.5},
        {"metric": "aht", "comparator": "<=", "target": 600},
    ],
}


def test_process_create_with_nested_targets_and_defaults(alpha):
    response = api_as(alpha.ops).post("/api/v1/processes/", PROCESS, format="json")
    assert response.status_code == 201, response.json()
    body = api_as(alpha.ops).get("/api/v1/processes/ALPHA-EMAIL/").json()
    assert body["client"] == "ALPHA"
    assert body["timezone"] == "Asia/Kolkata"  # the client's
    assert (body["sl_threshold_seconds"], body["short_abandon_seconds"], body["fcr_window_days"]) == (20, 5, 7)
    assert (body["sl_formula"], body["tat_hours"]) == ("standard", 24)
    targets = {t["metric"]: t for t in body["sla_targets"]}
    assert targets["service_level"] == {
        "metric": "service_level",
        "comparator": ">=",
        "target": "90.00",
        "credit_percent": "2.50",
    }
    assert targets["aht"]["credit_percent"] == "0.00"


def test_process_patch_replaces_targets_and_keeps_them_when_absent(alpha):
    api = api_as(alpha.ops)
    api.post("/api/v1/processes/", PROCESS, format="json")
    api.patch("/api/v1/processes/ALPHA-EMAIL/", {"sl_threshold_seconds": 30}, format="json")
    assert len(api.get("/api/v1/processes/ALPHA-EMAIL/").json()["sla_targets"]) == 2
    response = api.patch(
        "/api/v1/processes/ALPHA-EMAIL/",
        {"sla_targets": [{"metric": "csat", "comparator": ">=", "target": 85}]},
        format="json",
    )
    assert response.status_code == 200
    body = api.get("/api/v1/processes/ALPHA-EMAIL/").json()
    assert [t["metric"] for t in body["sla_targets"]] == ["csat"]
    assert body["sl_threshold_seconds"] == 30


@pytest.mark.parametrize(
    "change,field",
    [
        ({"sl_threshold_seconds": -1}, "sl_threshold_seconds"),
        ({"short_abandon_seconds": -5}, "short_abandon_seconds"),
        ({"fcr_window_days": 0}, "fcr_window_days"),
        ({"tat_hours": 0}, "tat_hours"),
        ({"sl_formula": "generous"}, "sl_formula"),
        ({"channel": "fax"}, "channel"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"client": "NOPE"}, "client"),
        ({"sla_targets": [{"metric": "happiness", "comparator": ">=", "target": 1}]}, "sla_targets"),
        ({"sla_targets": [{"metric": "fcr", "comparator": "==", "target": 1}]}, "sla_targets"),
        ({"sla_targets": [{"metric": "fcr", "comparator": ">=", "target": 120}]}, "sla_targets"),
        ({"sla_targets": [{"metric": "csat_mean", "comparator": ">=", "target": 7}]}, "sla_targets"),
        ({"sla_targets": [{"metric": "aht", "comparator": "<=", "target": -1}]}, "sla_targets"),
        ({"sla_targets": [{"metric": "fcr", "comparator": ">=", "target": 70, "credit_percent": 101}]}, "sla_targets"),
        (
            {
                "sla_targets": [
                    {"metric": "fcr", "comparator": ">=", "target": 70},
                    {"metric": "fcr", "comparator": ">=", "target": 75},
                ]
            },
            "sla_targets",
        ),
    ],
)
def test_process_validation_errors_are_400_and_write_nothing(alpha, change, field):
    response = api_as(alpha.ops).post("/api/v1/processes/", {**PROCESS, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Process.objects.filter(code="ALPHA-EMAIL").exists()


def test_process_cannot_be_created_for_a_client_outside_scope(alpha, bravo):
    response = api_as(alpha.ops).post("/api/v1/processes/", {**PROCESS, "client": "BRAVO"}, format="json")
    assert response.status_code == 400
    assert "client" in response.json()
    assert "Bravo" not in response.content.decode()


def test_process_cannot_move_to_another_client(ops_all, alpha, bravo):
    response = api_as(ops_all).patch("/api/v1/processes/ALPHA-VOICE/", {"client": "BRAVO"}, format="json")
    assert response.status_code == 400
    assert "client" in response.json()


def test_process_filters(ops_all, alpha, bravo):
    api = api_as(ops_all)
    codes = [p["code"] for p in api.get("/api/v1/processes/?client=BRAVO").json()["results"]]
    assert codes == ["BRAVO-CHAT", "BRAVO-VOICE"]
    codes = [p["code"] for p in api.get("/api/v1/processes/?channel=chat").json()["results"]]
    assert codes == ["ALPHA-CHAT", "BRAVO-CHAT"]


# --- teams and agents -----------------------------------------------------------------------------


def test_team_create_with_leader_by_username(ops_all):
    leader = UserFactory(username="lead1", role="team_leader")
    api = api_as(ops_all)
    response = api.post("/api/v1/teams/", {"code": "T-NEW", "name": "New team", "leader": "lead1"}, format="json")
    assert response.status_code == 201, response.json()
    assert api.get("/api/v1/teams/T-NEW/").json() == {"code": "T-NEW", "name": "New team", "leader": leader.username}
    response = api.patch("/api/v1/teams/T-NEW/", {"leader": None}, format="json")
    assert response.json()["leader"] is None


def test_team_leader_must_be_a_team_leader(ops_all, alpha):
    response = api_as(ops_all).post(
        "/api/v1/teams/", {"code": "T-BAD", "name": "Bad", "leader": "agent_alpha"}, format="json"
    )
    assert response.status_code == 400
    assert "leader" in response.json()


def test_agent_create_and_read_back(alpha):
    payload = {
        "code": "A0777",
        "name": "New Person",
        "team": "T-ALPHA",
        "role": "tech_support",
        "processes": ["ALPHA-VOICE", "ALPHA-CHAT"],
        "user": None,
        "active": True,
    }
    api = api_as(alpha.ops)
    assert api.post("/api/v1/agents/", payload, format="json").status_code == 201
    body = api.get("/api/v1/agents/A0777/").json()
    assert body == {**payload, "processes": ["ALPHA-CHAT", "ALPHA-VOICE"]}


def test_agent_staffed_on_processes_of_two_clients_is_refused(ops_all, alpha, bravo):
    response = api_as(ops_all).post(
        "/api/v1/agents/",
        {"code": "A0778", "name": "X", "team": "T-ALPHA", "role": "csr", "processes": ["ALPHA-VOICE", "BRAVO-VOICE"]},
        format="json",
    )
    assert response.status_code == 400
    assert "processes" in response.json()
    assert not Agent.objects.filter(code="A0778").exists()


def test_agent_patch_onto_another_clients_process_is_refused(ops_all, alpha, bravo):
    response = api_as(ops_all).patch(
        "/api/v1/agents/A0001/", {"processes": ["BRAVO-VOICE", "ALPHA-CHAT"]}, format="json"
    )
    assert response.status_code == 400
    assert set(alpha.agent.processes.values_list("code", flat=True)) == {"ALPHA-VOICE", "ALPHA-CHAT"}


def test_agent_process_outside_scope_does_not_exist(alpha, bravo):
    response = api_as(alpha.ops).post(
        "/api/v1/agents/", {"code": "A0779", "name": "X", "processes": ["BRAVO-VOICE"]}, format="json"
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["processes"])


@pytest.mark.parametrize(
    "change,field",
    [
        ({"role": "wizard"}, "role"),
        ({"team": "T-NONE"}, "team"),
        ({"user": "tl_alpha"}, "user"),
        ({"code": "A 1"}, "code"),
    ],
)
def test_agent_validation(alpha, change, field):
    payload = {"code": "A0780", "name": "X", **change}
    response = api_as(alpha.ops).post("/api/v1/agents/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_agent_login_can_link_only_once(alpha):
    response = api_as(alpha.ops).post(
        "/api/v1/agents/", {"code": "A0781", "name": "X", "user": "agent_alpha"}, format="json"
    )
    assert response.status_code == 400
    assert "user" in response.json()


def test_team_leader_sees_only_their_teams_agents(alpha, bravo):
    AgentFactory(code="Z0001", team=bravo.team)
    codes = [a["code"] for a in api_as(alpha.team_leader).get("/api/v1/agents/").json()["results"]]
    assert codes == ["A0001"]


def test_pagination_page_size_capped_at_1000(ops_all, alpha):
    Agent.objects.bulk_create([Agent(code=f"BULK{i:05d}", name=f"Bulk {i}") for i in range(1005)])
    api = api_as(ops_all)
    page = api.get("/api/v1/agents/?page_size=5000").json()
    assert page["count"] == 1006
    assert len(page["results"]) == 1000
    assert page["next"] is not None and page["previous"] is None
    assert set(page) == {"count", "next", "previous", "results"}
    assert len(api.get("/api/v1/agents/?page_size=7").json()["results"]) == 7


# --- users ----------------------------------------------------------------------------------------


def test_user_create_per_role_and_password_never_returned(admin_user, alpha):
    AgentFactory(code="A0900", team=alpha.team, processes=[alpha.process])
    api = api_as(admin_user)
    cases = [
        {"username": "u_admin", "role": "admin"},
        {"username": "u_ops", "role": "ops_manager", "clients": ["ALPHA"]},
        {"username": "u_tl", "role": "team_leader"},
        {"username": "u_qa", "role": "qa_analyst", "processes": ["ALPHA-VOICE"]},
        {"username": "u_agent", "role": "agent", "agent": "A0900"},
        {"username": "u_client", "role": "client", "client": "ALPHA"},
    ]
    for case in cases:
        response = api.post("/api/v1/users/", {**case, "password": "Sturdy-Passw0rd-9"}, format="json")
        assert response.status_code == 201, (case, response.json())
        assert "password" not in response.json()
        assert response.json()["role"] == case["role"]
    assert api.get("/api/v1/users/u_agent/").json()["agent"] == "A0900"
    assert api.get("/api/v1/users/u_client/").json()["client"] == "ALPHA"
    assert api.get("/api/v1/users/u_ops/").json()["clients"] == ["ALPHA"]
    assert all("password" not in u for u in api.get("/api/v1/users/?page_size=100").json()["results"])


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"username": "c1", "role": "client"}, "client"),
        ({"username": "c2", "role": "agent", "client": "ALPHA"}, "client"),
        ({"username": "c3", "role": "superhero"}, "role"),
        ({"username": "c4", "role": "agent", "password": "123"}, "password"),
        ({"username": "agent_alpha", "role": "agent"}, "username"),
        ({"username": "c5", "role": "client", "agent": "A0001"}, "agent"),
    ],
)
def test_user_validation(admin_user, alpha, payload, field):
    response = api_as(admin_user).post("/api/v1/users/", {"password": "Sturdy-Passw0rd-9", **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_ops_manager_cannot_create_admins(alpha):
    response = api_as(alpha.ops).post(
        "/api/v1/users/", {"username": "boss", "role": "admin", "password": "Sturdy-Passw0rd-9"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()


def test_restricted_ops_manager_lists_only_users_of_their_clients(alpha, bravo):
    names = {u["username"] for u in api_as(alpha.ops).get("/api/v1/users/?page_size=100").json()["results"]}
    assert names == {"ops_alpha", "client_alpha", "agent_alpha", "tl_alpha", "qa_alpha"}


# --- schema ---------------------------------------------------------------------------------------


def test_openapi_schema_lists_every_contract_path():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/clients/",
        "/api/v1/clients/{code}/",
        "/api/v1/processes/",
        "/api/v1/processes/{code}/",
        "/api/v1/teams/",
        "/api/v1/teams/{code}/",
        "/api/v1/agents/",
        "/api/v1/agents/{code}/",
        "/api/v1/users/",
    ]:
        assert path in paths
    assert APIClient().get("/api/docs/").status_code == 200


def test_schema_generates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_process_factory_for_other_client_is_not_listed(alpha):
    ProcessFactory(code="OTHER-1")
    codes = [p["code"] for p in api_as(alpha.client_user).get("/api/v1/processes/").json()["results"]]
    assert codes == ["ALPHA-CHAT", "ALPHA-VOICE"]
