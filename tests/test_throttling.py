"""Issue 14, finding 7: password spraying and distributed guessing are throttled. Failed sign-ins
are limited per (username, address), per username across addresses and per address across
usernames (accounts/lockout.py); the API has per-user and token-endpoint rates. Every refusal is a
429 with Retry-After (JSON on the API, the "Sign-in paused" page on the site)."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import api_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_USERNAME_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 8
    settings.AXES_COOLOFF_TIME = 15 / 60
    return settings


def _login(username, password, address, client=None):
    return (client or Client()).post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _token(username, password, address):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def _assert_locked(response, *, api: bool):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    if api:
        body = response.json()
        assert "token" not in body and "Too many failed sign-in attempts" in body["detail"]
    else:
        html = response.content.decode()
        assert "Sign-in paused" in html and "15 minutes after the last failed attempt" in html


def test_spraying_many_usernames_from_one_address_locks_that_address(limits, alpha, password):
    victims = [UserFactory(username=f"sprayed{n}") for n in range(limits.AXES_IP_FAILURE_LIMIT + 4)]
    statuses = [_login(v.username, "Winter2026!", "203.0.113.7").status_code for v in victims]
    # One failure per username: never the (username, address) limit, yet the address is stopped.
    first_refusal = limits.AXES_IP_FAILURE_LIMIT - 1
    assert statuses[:first_refusal] == [200] * first_refusal and set(statuses[first_refusal:]) == {429}
    # From that address even a right password is refused, for any account...
    _assert_locked(_login(alpha.ops.username, password, "203.0.113.7"), api=False)
    _assert_locked(_token(alpha.ops.username, password, "203.0.113.7"), api=True)
    # ...while the same accounts sign in from another address.
    assert _login(victims[0].username, password, "198.51.100.20").status_code == 302
    assert _token(alpha.ops.username, password, "198.51.100.20").status_code == 200


def test_guessing_one_username_from_many_addresses_locks_the_username(limits, alpha, password):
    addresses = [f"192.0.2.{n}" for n in range(1, limits.AXES_USERNAME_FAILURE_LIMIT + 3)]
    statuses = [_login("ops_alpha", "guess", address).status_code for address in addresses]
    first_refusal = limits.AXES_USERNAME_FAILURE_LIMIT - 1
    assert statuses[:first_refusal] == [200] * first_refusal and set(statuses[first_refusal:]) == {429}
    # The account is refused from a fresh address, on the page and on the token endpoint.
    _assert_locked(_login("ops_alpha", password, "198.51.100.99"), api=False)
    _assert_locked(_token("ops_alpha", password, "198.51.100.98"), api=True)
    # Other accounts from those addresses are not affected.
    assert _login(alpha.qa.username, password, addresses[0]).status_code == 302


def test_a_locked_user_cannot_get_a_token_from_another_address(limits, alpha, password):
    for _ in range(limits.AXES_FAILURE_LIMIT):
        _token("ops_alpha", "wrong", "203.0.113.50")
    _assert_locked(_token("ops_alpha", password, "203.0.113.50"), api=True)
    # Below the username's own limit, another address may still try: the pair is what is locked.
    assert _token("ops_alpha", password, "198.51.100.1").status_code == 200
    for n in range(limits.AXES_USERNAME_FAILURE_LIMIT - limits.AXES_FAILURE_LIMIT):
        _token("ops_alpha", "wrong", f"198.51.100.{10 + n}")
    _assert_locked(_token("ops_alpha", password, "198.51.100.200"), api=True)


def test_the_attackers_own_account_does_not_clear_the_addresses_count(limits, alpha, password):
    address = "203.0.113.9"
    for n in range(limits.AXES_IP_FAILURE_LIMIT - 2):
        _login(f"nobody{n}", "guess", address)
    assert _login(alpha.agent_user.username, password, address).status_code == 302  # own account
    _login("nobody-else", "guess", address)
    _assert_locked(_login("one-more", "guess", address), api=False)


def test_the_success_path_is_unchanged(limits, alpha, password):
    # A user who mistypes twice and then signs in keeps working, and their failures are forgotten.
    for _ in range(limits.AXES_FAILURE_LIMIT - 1):
        assert _login("ops_alpha", "typo", "198.51.100.5").status_code == 200
    assert _login("ops_alpha", password, "198.51.100.5").status_code == 302
    for _ in range(limits.AXES_FAILURE_LIMIT - 1):
        assert _login("ops_alpha", "typo", "198.51.100.5").status_code == 200
    assert _token("ops_alpha", password, "198.51.100.5").status_code == 200
    assert api_as(alpha.ops).get("/api/v1/clients/").status_code == 200


def test_the_token_endpoint_is_rate_limited_per_address(settings, alpha, password):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "auth-token": "3/minute",
    }
    codes = [_token("ops_alpha", password, "198.51.100.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = _token("ops_alpha", password, "198.51.100.7")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]
    # A spoofed X-Forwarded-For is not another address.
    spoofed = APIClient().post(
        TOKEN,
        {"username": "ops_alpha", "password": password},
        format="json",
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert spoofed.status_code == 429
    assert _token("ops_alpha", password, "198.51.100.8").status_code == 200


def test_the_api_is_rate_limited_per_user_with_retry_after(settings, alpha, bravo):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": "5/minute",
    }
    api = api_as(alpha.ops)
    codes = [api.get("/api/v1/clients/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    response = api.get("/api/v1/processes/")
    assert response.status_code == 429 and response["Content-Type"].startswith("application/json")
    assert 1 <= int(response["Retry-After"]) <= 60 and "throttled" in response.json()["detail"]
    # Each user has their own allowance.
    assert api_as(bravo.ops).get("/api/v1/clients/").status_code == 200


def test_a_cache_that_cannot_be_reached_does_not_stop_the_api(settings, alpha, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert api_as(alpha.ops).get("/api/v1/clients/").status_code == 200


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(limits, alpha, password):
    limits.REST_FRAMEWORK = {**limits.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    # Many clients behind one proxy: spraying from one of them does not lock the others out...
    for n in range(limits.AXES_IP_FAILURE_LIMIT):
        Client().post(
            "/login/",
            {"username": f"nobody{n}", "password": "guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.66",  # the client may invent the left part
        )
    spraying = Client().post(
        "/login/",
        {"username": alpha.ops.username, "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert spraying.status_code == 429
    other = Client().post(
        "/login/",
        {"username": alpha.ops.username, "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.3",
    )
    assert other.status_code == 302


@pytest.mark.parametrize("value", ["fast", "0/minute", "10/fortnight", "-5/s", "10"])
def test_a_rate_that_is_not_one_stops_start_up_naming_the_variable(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from bpo_portal.env import env_rate

    monkeypatch.setenv("API_RATE_USER", value)
    with pytest.raises(ImproperlyConfigured, match="API_RATE_USER"):
        env_rate("API_RATE_USER", "1200/minute")
    monkeypatch.setenv("API_RATE_USER", "50/hour")
    assert env_rate("API_RATE_USER", "1200/minute") == "50/hour"
