"""In real headless Chromium: a team leader bulk-assigns ten items and sees the loads update
(htmx, no page reload); an agent then starts and completes one from "My work"."""

import pytest

from tests.factories import AgentFactory, WorkItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_team_leader_bulk_assigns_ten_items_and_sees_loads_update(
    page, live_server, alpha, bravo, password, screenshot
):
    AgentFactory(code="A0002", name="Bo Second", team=alpha.team, processes=[alpha.process])
    items = [WorkItemFactory(process=alpha.process, title=f"Morning task {n:02d}") for n in range(12)]
    WorkItemFactory(process=bravo.process, title="Bravo task")
    _sign_in(page, live_server, "tl_alpha", password)
    main_menu = page.get_by_role("navigation", name="Main")
    main_menu.get_by_role("button", name="Operations").click()  # the work queue and staffing
    main_menu.get_by_role("link", name="Work queue").click()
    page.wait_for_url("**/work/")
    assert page.get_by_role("heading", name="Work queue").is_visible()
    assert page.get_by_test_id("load-A0001").inner_text() == "0"
    assert "Bravo" not in page.content()
    screenshot(page, "work-queue-before")

    page.evaluate("window.__noReload = true")
    for item in items[:10]:
        page.get_by_label(f"Select #{item.pk}", exact=True).check()
    assert page.locator("[data-selected-count]").inner_text() == "10"
    assert page.get_by_test_id("process-counts").inner_text().startswith("ALPHA-VOICE · 12 open · 12 unassigned")
    page.get_by_role("button", name="Spread evenly…").click()
    spread = page.get_by_test_id("bulk-spread")
    spread.get_by_label("Filter agents").fill("bo sec")
    assert spread.get_by_label("A0001 Alpha Agentperson").is_hidden()
    spread.get_by_label("A0002 Bo Second").check()
    spread.get_by_label("Filter agents").fill("")
    spread.get_by_label("A0001 Alpha Agentperson").check()
    screenshot(page, "work-queue-spread")
    spread.get_by_role("button", name="Spread selected over the ticked agents").click()
    page.get_by_test_id("bulk-result").get_by_text("10 items assigned.").wait_for()
    assert page.get_by_test_id("process-counts").inner_text().startswith("ALPHA-VOICE · 12 open · 2 unassigned")
    # The row actions are inside the table's visible area: no sideways scrolling at 1280 px.
    scroller = page.locator(".table-responsive").first
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")

    assert page.evaluate("window.__noReload") is True  # the page was not reloaded
    assert page.get_by_test_id("load-A0001").inner_text() == "5"
    assert page.get_by_test_id("load-A0002").inner_text() == "5"
    assert page.get_by_text("unassigned").count() >= 2  # the two left over
    screenshot(page, "work-queue-after-bulk-assign")

    # One more, by hand, from its row: the row and the loads change in place.
    last = items[10]
    row = page.get_by_test_id(f"row-{last.pk}")
    row.get_by_label(f"Agent for #{last.pk}").select_option("A0002")
    row.get_by_role("button", name="Assign").click()
    page.get_by_test_id(f"row-{last.pk}").get_by_text("Assigned to A0002.").wait_for()
    assert page.get_by_test_id("load-A0002").inner_text() == "6"
    # The per-process badge above the table followed (out-of-band swap).
    assert page.get_by_test_id("process-counts").inner_text().startswith("ALPHA-VOICE · 12 open · 1 unassigned")
    # And one to a single agent from the bulk bar's select (it lists each agent's open items).
    page.get_by_label(f"Select #{items[11].pk}", exact=True).check()
    page.locator("#bulk-agent").select_option(label="A0001 Alpha Agentperson · 5 open")
    page.get_by_role("button", name="Assign selected").click()
    page.get_by_test_id("bulk-result").get_by_text("1 item assigned.").wait_for()
    assert page.get_by_test_id("load-A0001").inner_text() == "6"
    assert page.get_by_test_id("process-counts").inner_text().startswith("ALPHA-VOICE · 12 open · 0 unassigned")
    assert page.evaluate("window.__noReload") is True


def test_agent_starts_and_completes_an_item_from_my_work(page, live_server, alpha, password, screenshot):
    from work.services import work_item_assign

    item = WorkItemFactory(process=alpha.process, title="Update customer address")
    work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    _sign_in(page, live_server, "agent_alpha", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    page.wait_for_url("**/work/mine/")
    page.get_by_role("button", name="Start").click()
    page.get_by_label(f"Note for #{item.pk}").fill("Address updated in CRM")
    screenshot(page, "work-my-work")
    page.get_by_role("button", name="Complete").click()
    assert page.get_by_text("now done").is_visible()
    page.get_by_role("link", name=f"#{item.pk}").first.click()
    trail = page.get_by_test_id("audit-trail")
    assert trail.get_by_text("“Address updated in CRM”").is_visible()
    screenshot(page, "work-item-detail")
