"""The work queue after an action and its bulk-assign control: the per-process badges (open,
unassigned) come back out of band with a single-row assignment, the bulk bar is one agent select
(with each agent's open items) plus a "spread evenly" list of agents to tick, and the row keeps
its actions in a table without an age column (the age is in the item's line)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AgentFactory, WorkItemFactory
from work.models import WorkItem

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def items(alpha, bravo):
    WorkItemFactory(process=bravo.process, title="Bravo secret task")
    return [WorkItemFactory(process=alpha.process, title=f"Alpha task {n}") for n in range(4)]


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _unassigned_badge(html, code):
    match = re.search(
        rf'id="process-counts"(?P<oob>[^>]*)>.*?data-process="{code}">.*?data-count="unassigned">(\d+)<', html, re.S
    )
    assert match, f"no counts badge for {code}"
    return match.group("oob"), int(match.group(2))


def test_queue_badge_counts_unassigned_and_bulk_bar_offers_one_select_and_a_spread_list(alpha, items):
    AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002", name="Bo Second")
    html = _as(alpha.team_leader).get(reverse("work:queue")).content.decode()
    oob, unassigned = _unassigned_badge(html, "ALPHA-VOICE")
    assert unassigned == 4 and "hx-swap-oob" not in oob
    select = re.search(r'<select name="agent" id="bulk-agent"[^>]*>(.*?)</select>', html, re.S)
    assert select and "multiple" not in select.group(0) and "size=" not in select.group(0)
    assert "A0001 Alpha Agentperson · 0 open" in select.group(1)
    assert 'name="agents" value="A0002" id="spread-A0002"' in html  # the spread list
    assert 'name="mode" value="one"' in html and 'name="mode" value="spread"' in html
    assert "<th>Age</th>" not in html and "age " in html
    assert "Bravo" not in html


def test_assigning_one_row_refreshes_the_process_badge_out_of_band(alpha, items):
    item = items[0]
    response = _as(alpha.team_leader).post(
        reverse("work:assign", args=[item.pk]), {"agent": "A0001", "version": item.version}, **HTMX
    )
    html = response.content.decode()
    oob, unassigned = _unassigned_badge(html, "ALPHA-VOICE")
    assert 'hx-swap-oob="true"' in oob and unassigned == 3
    assert html.count('<div id="process-counts"') == 1 and "BRAVO" not in html


def test_bulk_assign_to_the_selected_agent_uses_the_single_select(alpha, items):
    AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002")
    tokens = [f"{i.pk}:{i.version}" for i in items[:3]]
    # The spread list's ticks are ignored when "Assign selected" (mode one) was pressed.
    response = _as(alpha.team_leader).post(
        reverse("work:bulk_assign"),
        {"items": tokens, "agent": "A0002", "agents": ["A0001"], "mode": "one", "filters": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert "3 items assigned" in html
    assert set(WorkItem.objects.filter(pk__in=[i.pk for i in items[:3]]).values_list("assignee__code", flat=True)) == {
        "A0002"
    }
    _, unassigned = _unassigned_badge(html, "ALPHA-VOICE")
    assert unassigned == 1


def test_bulk_spread_uses_the_ticked_agents_and_ignores_the_single_select(alpha, items):
    AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002")
    tokens = [f"{i.pk}:{i.version}" for i in items]
    response = _as(alpha.team_leader).post(
        reverse("work:bulk_assign"),
        {"items": tokens, "agent": "A0001", "agents": ["A0001", "A0002"], "mode": "spread"},
        **HTMX,
    )
    assert "4 items assigned" in response.content.decode()
    counts = sorted(WorkItem.objects.filter(assignee__code=c).count() for c in ("A0001", "A0002"))
    assert counts == [2, 2]


def test_bulk_one_agent_with_two_ticked_and_no_select_is_refused(alpha, items):
    AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002")
    response = _as(alpha.team_leader).post(
        reverse("work:bulk_assign"),
        {"items": [f"{items[0].pk}:{items[0].version}"], "agents": ["A0001", "A0002"], "mode": "one"},
        **HTMX,
    )
    assert "Choose one agent, or pick “spread evenly”" in response.content.decode()
    assert not WorkItem.objects.filter(assignee__isnull=False).exists()


def test_what_changed_today_counts_the_day_of_the_queues_zone(alpha, bravo):
    """ALPHA's processes are in Asia/Kolkata (UTC+05:30): at 20:00 UTC on 10 March it is already
    11 March there, and 'today' is that day, midnight to midnight IST."""
    import time_machine

    from work.services import work_item_assign

    late, early = (WorkItemFactory(process=alpha.process, title=t) for t in ("Late on the 10th", "Early on the 11th"))
    with time_machine.travel("2026-03-10T18:00:00Z", tick=False):  # 23:30 IST on the 10th
        work_item_assign(actor=alpha.team_leader, item=late, agent=alpha.agent)
    with time_machine.travel("2026-03-10T19:00:00Z", tick=False):  # 00:30 IST on the 11th
        work_item_assign(actor=alpha.team_leader, item=early, agent=alpha.agent)
    with time_machine.travel("2026-03-10T20:00:00Z", tick=False):
        html = _as(alpha.team_leader).get(reverse("work:changes")).content.decode()
        previous = _as(alpha.team_leader).get(reverse("work:changes"), {"date": "2026-03-10"}).content.decode()
    assert "What changed on 2026-03-11" in html
    assert "Midnight to midnight in Asia/Kolkata" in html
    assert "Early on the 11th" in html and "Late on the 10th" not in html
    assert ">00:30:00 IST</time>" in html
    assert "Late on the 10th" in previous and "Early on the 11th" not in previous
    assert ">23:30:00 IST</time>" in previous
