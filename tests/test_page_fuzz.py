"""The page fuzzer: hostile parameters to every URL pattern, and not one server error (issue 14).

Every route of the URLconf (walked as tests/test_access_walk.py does, so a new page is fuzzed the
moment it exists) is requested as an administrator and as a client user with each hostile value
below given to every query parameter the project reads (collected from the source, so a new
parameter is fuzzed too) and to a parameter of no meaning; the page forms get the same values in
every field of their form. Each answer must be below 500: a 400 with a message, a 404, the page
with the value ignored or refused in a form.

NUL bytes are the case SQLite does not show (it stores them); CI runs this on PostgreSQL, where a
NUL that reached a query was a server error on 29 routes. Bounded: one request per (route, value),
the parameters all at once; about 40 s on SQLite.
"""

import re
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.factories import AgentFactory, TeamFactory
from tests.test_access_walk import PUBLIC, _api_actions, _is_api, _model_of, _object_for, all_routes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "agents", "clients", "processes", "quality", "reporting", "sla", "dashboards", "work", "bpo_portal"]

# Values that once broke something somewhere, or could: unstorable characters, sizes, numbers
# and dates out of every range, offsets no zone uses, text that looks like code.
VALUES = {
    "nul": "\x00",
    "nul-inside": "ALPHA\x00-VOICE",
    "long": "x" * 5000,
    "unicode": "日本語 🎧 Ωmega \u202eevil",
    "sql": "' OR 1=1; DROP TABLE clients_client; --",
    "like-wildcards": "%_\\",
    "html": '<script>alert("x")</script>',
    "negative": "-1",
    "zero": "0",
    "huge": "99999999999999999999999",
    "float": "1e308",
    "nan": "NaN",
    "no-such-day": "2026-02-30",
    "no-such-month": "2026-13",
    "far-future": "9999-12-31",
    "year-one": "0001-01-01",
    "bad-offset": "2026-12-26T23:49:10-19:31",
    "datetime": "2026-10-01T09:00:00+05:30",
    "empty": "",
    "blank": "   ",
}
# Arrays: the same parameter twice (`?x=1&x=2`).
ARRAYS = {"twice": ["1", "2"], "twice-mixed": ["2026-10-01", "zzz"]}
# What each actor gets on every route (the time bound: one request per route and value).
GET_VALUES = {
    "admin": ["nul", "long", "huge", "year-one", "bad-offset"],
    "client_user": ["nul", "far-future"],
}
GET_ARRAYS = {"admin": ["twice-mixed"], "client_user": ["twice-mixed"]}

# Parameters no source scan finds (filters declared on a FilterSet or read by a form).
KNOWN = {
    "q", "page", "page_size", "process", "client", "team", "agent", "assignee", "status", "type",
    "role", "outcome", "channel", "start", "end", "day", "date", "month", "period", "preset",
    "format", "export", "unassigned", "due_before", "active", "is_active", "is_current", "sort",
    "order", "metric", "week", "version", "priority", "direction", "lang", "next",
}  # fmt: skip
_READ = re.compile(r"""(?:GET|query_params|params)(?:\.get(?:list)?\(\s*|\[)["']([a-z_]+)["']""")


def parameter_names() -> list[str]:
    """Every query parameter name the project reads, plus KNOWN and one of no meaning."""
    names = set(KNOWN) | {"zzz_unknown"}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(_READ.findall(path.read_text()))
    return sorted(names)


NAMES = parameter_names()


def _request(client, method: str, url: str, data, failures: list, label: str):
    """One request in a savepoint (a failed query must not poison the rest on PostgreSQL)."""
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, data)
    except Exception as exc:  # noqa: BLE001 - the point is to list every one
        failures.append(f"{method.upper()} {url} [{label}]: {type(exc).__name__}: {str(exc)[:160]}")
        return None
    if response.status_code >= 500:
        failures.append(f"{method.upper()} {url} [{label}]: {response.status_code}")
    return response


def _routes(tenant, leaderless):
    """(name, url, entry) for every fuzzable route, objects taken from `tenant`; team routes also
    for a team without a leader (an optional relation, which the API allows)."""
    for route, name, entry in all_routes():
        if name in PUBLIC and name not in {"login", "api-token"}:
            continue
        keys = sorted(entry.pattern.regex.groupindex)
        if not keys:
            yield name, reverse(name), entry
            continue
        _, model = _model_of(entry)
        objects = [_object_for(model, tenant)]
        if model._meta.label_lower == "agents.team":
            objects.append(leaderless)
        for obj in objects:
            yield name, reverse(name, kwargs={key: getattr(obj, key) for key in keys}), entry


def _fuzz_gets(user, tenant, leaderless, actor) -> tuple[list[str], int]:
    client = Client()
    client.force_login(user)
    failures, count = [], 0
    for name, url, entry in _routes(tenant, leaderless):
        if _is_api(entry) and "get" not in _api_actions(entry):
            continue
        if not _is_api(entry) and not hasattr(_model_of(entry)[0], "get"):
            continue
        for label in GET_VALUES[actor]:
            _request(client, "get", url, dict.fromkeys(NAMES, VALUES[label]), failures, label)
            count += 1
        for label in GET_ARRAYS[actor]:
            _request(client, "get", url, dict.fromkeys(NAMES, ARRAYS[label]), failures, label)
            count += 1
    return failures, count


@pytest.fixture
def world(alpha, bravo):
    leaderless = TeamFactory(code="T-NOLEAD", name="Leaderless squad", leader=None)
    AgentFactory(code="A0999", name="Leaderless Agentperson", team=leaderless, processes=[alpha.process])
    return alpha, leaderless


@pytest.mark.parametrize("actor", ["admin", "client_user"])
def test_no_route_answers_a_hostile_parameter_with_a_server_error(actor, world, admin_user):
    tenant, leaderless = world
    user = admin_user if actor == "admin" else tenant.client_user
    started = time.monotonic()
    failures, count = _fuzz_gets(user, tenant, leaderless, actor)
    elapsed = time.monotonic() - started
    assert count > 300, f"only {count} requests: the walk lost its routes"
    assert failures == [], f"{len(failures)} server error(s) in {count} requests ({elapsed:.0f} s):\n" + "\n".join(
        failures[:80]
    )


POST_VALUES = {key: VALUES[key] for key in ("nul", "long", "unicode", "negative", "bad-offset")}


def _form_fields(entry) -> list[str]:
    cls, _ = _model_of(entry)
    form_class = getattr(cls, "form_class", None)
    fields = list(getattr(form_class, "base_fields", {}) or [])
    return fields or ["name", "code", "note", "text", "q"]


def _fuzz_forms(admin_user, tenant, leaderless, values) -> tuple[list[str], int]:
    client = Client()
    client.force_login(admin_user)
    failures, count = [], 0
    for name, url, entry in _routes(tenant, leaderless):
        if _is_api(entry) or name in {"logout"} or not hasattr(_model_of(entry)[0], "post"):
            continue
        fields = _form_fields(entry)
        for label, value in values.items():
            _request(client, "post", url, dict.fromkeys(fields, value), failures, label)
            count += 1
    return failures, count


def test_no_page_form_answers_hostile_fields_with_a_server_error(world, admin_user):
    failures, count = _fuzz_forms(admin_user, *world, POST_VALUES)
    assert count > 50, f"only {count} form posts: the walk lost its forms"
    assert failures == [], f"{len(failures)} server error(s) in {count} posts:\n" + "\n".join(failures[:80])


def test_no_page_form_answers_a_huge_number_with_a_server_error(world, admin_user):
    failures, count = _fuzz_forms(admin_user, *world, {"huge": VALUES["huge"]})
    overflow = "OverflowError: Python int too large to convert to SQLite INTEGER"
    if failures and connection.vendor == "sqlite" and all(overflow in failure for failure in failures):
        pytest.xfail(
            "open (issue 14): on SQLite a choice field given a number beyond 64 bits (user and agent forms) raises"
            " OverflowError in its query instead of 'Select a valid choice' (PostgreSQL answers 200): "
            + "; ".join(failures)
        )
    assert failures == [], f"{len(failures)} server error(s) in {count} posts:\n" + "\n".join(failures[:80])


def test_the_sign_in_page_and_token_endpoint_take_hostile_credentials(db, alpha):
    client = Client()
    failures = []
    for label, value in POST_VALUES.items():
        _request(client, "post", reverse("login"), {"username": value, "password": value}, failures, label)
        _request(client, "post", reverse("api-token"), {"username": value, "password": value}, failures, label)
    assert failures == []
