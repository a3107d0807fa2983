"""In real headless Chromium: sign in, see the home page, walk to a process (run by .ci/run)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_ops_manager_signs_in_and_opens_a_process(page, live_server, alpha, bravo, password, screenshot):
    _sign_in(page, live_server, "ops_alpha", password)
    assert page.get_by_role("heading", name="Processes you cover").is_visible()
    assert page.get_by_text("ALPHA-VOICE").first.is_visible()
    assert page.get_by_text("BRAVO-VOICE").count() == 0
    screenshot(page, "home-ops-manager")
    page.get_by_role("link", name="ALPHA-VOICE").first.click()
    page.wait_for_url("**/processes/ALPHA-VOICE/")
    assert page.get_by_role("heading", name="SLA targets").is_visible()
    assert page.get_by_test_id("sla-targets").get_by_text("Service level (%)").is_visible()
    screenshot(page, "process-detail")


def test_client_user_sees_only_their_client(page, live_server, alpha, bravo, password, screenshot):
    _sign_in(page, live_server, "client_alpha", password)
    assert page.get_by_role("heading", name="Service levels this month").is_visible()
    assert page.get_by_text("ALPHA-VOICE").first.is_visible()
    assert "Bravo" not in page.content()
    screenshot(page, "home-client-user")
    page.goto(f"{live_server.url}/clients/BRAVO/")
    assert page.get_by_role("heading", name="Page not found").is_visible()


def test_wrong_password_shows_an_error(page, live_server, alpha):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("ops_alpha")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
