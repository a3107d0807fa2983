"""Pages: sign-in and throttling, security headers, navigation by role, and the master-data forms."""

import pytest
from django.urls import reverse

from agents.models import Agent
from clients.models import Client
from processes.models import Process

pytestmark = pytest.mark.django_db


def test_login_page_and_sign_in(client, alpha, password):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "ops_alpha", "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "Alpha hotline" in home.content.decode()


def test_repeated_failed_logins_lock_the_account_out(client, alpha, password, settings):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post("/login/", {"username": "ops_alpha", "password": "wrong"})
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    response = client.post("/login/", {"username": "ops_alpha", "password": password})
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_token_is_throttled_too(alpha, password, settings):
    from rest_framework.test import APIClient

    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "ops_alpha", "password": "wrong"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "ops_alpha", "password": password}, format="json")
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_logout_is_post_only(client, alpha):
    client.force_login(alpha.ops)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client, alpha, password):
    client.force_login(alpha.agent_user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "An0ther-Str0ng-One", "new_password2": "An0ther-Str0ng-One"},
    )
    assert response.status_code == 302
    alpha.agent_user.refresh_from_db()
    assert alpha.agent_user.check_password("An0ther-Str0ng-One")


def test_security_headers(client, alpha):
    client.force_login(alpha.ops)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response.cookies.get("sessionid") is None or response.cookies["sessionid"]["httponly"]


@pytest.mark.parametrize(
    "actor,visible,hidden",
    [
        ("ops", ["Clients", "Processes", "Teams", "Agents", "Users", "API documentation"], ["My work"]),
        ("team_leader", ["Processes", "Teams", "Agents", "Work queue"], ["Clients", "Users", "API documentation"]),
        # The menu holds what the role works with (an agent may open their own agent page, not a list).
        (
            "agent_user",
            ["My work", "Quality"],
            ["Clients", "Processes", "Teams", "Agents", "Users", "API documentation"],
        ),
        (
            "client_user",
            ["Dashboard", "Quality"],
            ["Clients", "Processes", "Teams", "Agents", "Users", "API documentation"],
        ),
    ],
)
def test_navigation_follows_the_role(client, alpha, actor, visible, hidden):
    client.force_login(getattr(alpha, actor))
    nav = client.get("/").context["nav_items"]
    labels = [item["label"] for item in nav]
    assert all(label in labels for label in visible)
    assert not any(label in labels for label in hidden)


def test_client_user_home_shows_only_their_processes(client, alpha, bravo):
    client.force_login(alpha.client_user)
    html = client.get("/").content.decode()
    assert "ALPHA-VOICE" in html and "ALPHA-CHAT" in html
    assert "BRAVO" not in html


def test_create_client_through_the_form(client, ops_all):
    client.force_login(ops_all)
    response = client.post(
        "/clients/new/", {"code": "WAYNE", "name": "Wayne Enterprises", "timezone": "America/Chicago", "active": "on"}
    )
    assert response.status_code == 302
    assert Client.objects.get(code="WAYNE").timezone == "America/Chicago"


def test_client_form_shows_errors_and_writes_nothing(client, ops_all, alpha):
    client.force_login(ops_all)
    response = client.post("/clients/new/", {"code": "alpha", "name": "Dup", "timezone": "UTC"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Client.objects.count() == 1


def _process_form(**overrides):
    data = {
        "client": "",
        "code": "ALPHA-BO",
        "name": "Alpha back office",
        "channel": "backoffice",
        "timezone": "",
        "sl_threshold_seconds": 20,
        "short_abandon_seconds": 5,
        "fcr_window_days": 7,
        "sl_formula": "standard",
        "tat_hours": 48,
        "active": "on",
        "sla_targets-TOTAL_FORMS": 2,
        "sla_targets-INITIAL_FORMS": 0,
        "sla_targets-MIN_NUM_FORMS": 0,
        "sla_targets-MAX_NUM_FORMS": 1000,
        "sla_targets-0-metric": "tat_compliance",
        "sla_targets-0-comparator": ">=",
        "sla_targets-0-target": "95",
        "sla_targets-0-credit_percent": "4",
    }
    data.update(overrides)
    return data


def test_create_process_with_targets_through_the_form(client, alpha):
    client.force_login(alpha.ops)
    response = client.post("/processes/new/", _process_form(client=alpha.client.pk))
    assert response.status_code == 302, response.context["form"].errors if response.context else None
    process = Process.objects.get(code="ALPHA-BO")
    assert process.timezone == "Asia/Kolkata"
    assert [(t.metric, float(t.target)) for t in process.sla_targets.all()] == [("tat_compliance", 95.0)]
    page = client.get("/processes/ALPHA-BO/").content.decode()
    assert "Turnaround compliance" in page and "4.0 % of the monthly fee" in page


def test_process_form_rejects_a_client_outside_scope(client, alpha, bravo):
    client.force_login(alpha.ops)
    response = client.post("/processes/new/", _process_form(client=bravo.client.pk))
    assert response.status_code == 200
    assert not Process.objects.filter(code="ALPHA-BO").exists()


def test_process_form_rejects_percentage_over_100(client, alpha):
    client.force_login(alpha.ops)
    response = client.post("/processes/new/", _process_form(client=alpha.client.pk, **{"sla_targets-0-target": "120"}))
    assert response.status_code == 200
    assert "between 0 and 100" in response.content.decode()
    assert not Process.objects.filter(code="ALPHA-BO").exists()


def test_edit_process_replaces_targets(client, alpha):
    client.force_login(alpha.ops)
    target = alpha.process.sla_targets.get()
    data = _process_form(
        client=alpha.client.pk,
        code="ALPHA-VOICE",
        name="Alpha hotline",
        channel="voice",
        timezone="Asia/Kolkata",
        **{
            "sla_targets-INITIAL_FORMS": 1,
            "sla_targets-0-id": target.pk,
            "sla_targets-0-process": alpha.process.pk,
            "sla_targets-0-metric": "service_level",
            "sla_targets-0-target": "85",
            "sla_targets-0-credit_percent": "1",
            "sla_targets-1-metric": "abandon_rate",
            "sla_targets-1-comparator": "<=",
            "sla_targets-1-target": "5",
            "sla_targets-1-credit_percent": "0",
        },
    )
    response = client.post("/processes/ALPHA-VOICE/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    targets = {t.metric: float(t.target) for t in alpha.process.sla_targets.all()}
    assert targets == {"service_level": 85.0, "abandon_rate": 5.0}


def test_create_agent_through_the_form_refuses_two_clients(client, ops_all, alpha, bravo):
    client.force_login(ops_all)
    response = client.post(
        "/agents/new/",
        {"code": "A0500", "name": "Two Clients", "role": "csr", "processes": [alpha.process.pk, bravo.process.pk]},
    )
    assert response.status_code == 200
    assert "only be staffed on processes of one client" in response.content.decode()
    assert not Agent.objects.filter(code="A0500").exists()
    response = client.post(
        "/agents/new/",
        {"code": "A0500", "name": "One Client", "role": "csr", "team": alpha.team.pk, "processes": [alpha.process.pk]},
    )
    assert response.status_code == 302
    assert list(Agent.objects.get(code="A0500").processes.values_list("code", flat=True)) == ["ALPHA-VOICE"]


def test_lists_search_and_paginate(client, ops_all, alpha, bravo):
    client.force_login(ops_all)
    html = client.get("/processes/?q=bravo").content.decode()
    assert "BRAVO-VOICE" in html and "ALPHA-VOICE" not in html
    html = client.get("/agents/?team=T-ALPHA").content.decode()
    assert "A0001" in html and "B0001" not in html


def test_create_user_through_the_form(client, ops_all, alpha):
    client.force_login(ops_all)
    response = client.post(
        "/account/users/new/",
        {"username": "newclient", "role": "client", "client": alpha.client.pk, "password": "Sturdy-Passw0rd-9"},
    )
    assert response.status_code == 302
    response = client.post(
        "/account/users/new/", {"username": "boss", "role": "admin", "password": "Sturdy-Passw0rd-9"}
    )
    assert response.status_code == 200  # not a choice for an operations manager
