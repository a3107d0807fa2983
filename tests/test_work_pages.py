"""Work pages: the team leader's queue and its htmx assign / bulk assign, "My work", the item's
audit trail, the day's changes, CSV import, settings, and the optimistic lock across sessions."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgentFactory, WorkItemFactory
from work.models import EventKind, Status, WorkItem, WorkSettings

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def queue(alpha, bravo):
    """Five unassigned ALPHA items (one overdue) and one BRAVO item."""
    now = timezone.now()
    items = [WorkItemFactory(process=alpha.process, title=f"Alpha task {n}") for n in range(4)]
    items.append(
        WorkItemFactory(
            process=alpha.process,
            title="Alpha late task",
            received_at=now - timedelta(hours=30),
            due_at=now - timedelta(hours=2),
        )
    )
    WorkItemFactory(process=bravo.process, title="Bravo secret task")
    return items


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_team_leader_sees_their_queue_with_timers_and_loads_but_not_the_other_tenant(alpha, queue):
    response = _as(alpha.team_leader).get(reverse("work:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha task 0" in html and "Alpha late task" in html
    assert "Bravo" not in html
    assert "overdue 2 h" in html and "table-danger" in html
    assert 'data-testid="load-A0001"' in html


def test_queue_filters_and_sorts(alpha, queue):
    client = _as(alpha.team_leader)
    html = client.get(reverse("work:queue"), {"due": "overdue"}).content.decode()
    assert "Alpha late task" in html and "Alpha task 0" not in html
    html = client.get(reverse("work:queue"), {"sort": "-age"}, HTTP_HX_TARGET="queue", **HTMX).content.decode()
    assert "<html" not in html
    assert html.index("Alpha task 3") < html.index("Alpha late task")


def test_team_leader_cannot_see_or_assign_items_outside_their_teams_processes(alpha, bravo, queue):
    foreign = WorkItem.objects.get(process=bravo.process)
    client = _as(alpha.team_leader)
    assert client.get(reverse("work:detail", args=[foreign.pk])).status_code == 404
    response = client.post(reverse("work:assign", args=[foreign.pk]), {"agent": "A0001", "version": 1})
    assert response.status_code == 404
    response = client.post(
        reverse("work:bulk_assign"), {"items": [f"{foreign.pk}:1"], "agents": ["A0001"], "mode": "one"}, **HTMX
    )
    assert response.status_code == 200
    foreign.refresh_from_db()
    assert foreign.assignee is None and foreign.events.count() == 0


def test_assign_via_htmx_returns_the_row_and_updated_loads(alpha, queue):
    item = queue[0]
    response = _as(alpha.team_leader).post(
        reverse("work:assign", args=[item.pk]), {"agent": "A0001", "version": item.version}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="item-{item.pk}"' in html and "Assigned to A0001" in html
    assert 'hx-swap-oob="true"' in html and 'data-testid="load-A0001">1<' in html
    item.refresh_from_db()
    assert item.assignee == alpha.agent and item.status == Status.ASSIGNED


def test_assigning_to_an_agent_not_staffed_on_the_process_is_refused_on_the_page(alpha, queue):
    other = AgentFactory(team=alpha.team, processes=[alpha.process2])
    item = queue[0]
    response = _as(alpha.team_leader).post(
        reverse("work:assign", args=[item.pk]), {"agent": other.code, "version": item.version}, **HTMX
    )
    assert response["X-Work-Status"] == "400"
    assert "is not staffed on process ALPHA-VOICE" in response.content.decode()
    item.refresh_from_db()
    assert item.assignee is None


def test_concurrent_assignment_from_two_sessions_has_one_winner_and_a_clear_error(alpha, queue):
    second_agent = AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002", name="Bo Second")
    second_leader_team = AgentFactory(processes=[alpha.process]).team
    second_leader_team.leader = alpha.ops  # any second person who may assign this item
    item = queue[0]
    first, second = _as(alpha.team_leader), _as(alpha.ops)
    # Both load the queue and see the same version.
    for session in (first, second):
        assert f'value="{item.pk}:{item.version}"' in session.get(reverse("work:queue")).content.decode()
    seen = item.version
    won = first.post(reverse("work:assign", args=[item.pk]), {"agent": "A0001", "version": seen}, **HTMX)
    lost = second.post(reverse("work:assign", args=[item.pk]), {"agent": second_agent.code, "version": seen}, **HTMX)
    assert won.status_code == 200 and "X-Work-Status" not in won
    assert lost["X-Work-Status"] == "409"
    message = lost.content.decode()
    assert "changed by someone else since you loaded it" in message and "A0001" in message
    item.refresh_from_db()
    assert item.assignee == alpha.agent
    assert item.events.filter(kind__in=[EventKind.ASSIGNED, EventKind.REASSIGNED]).count() == 1
    # Without htmx the loser is sent back with the same message.
    lost = second.post(reverse("work:assign", args=[item.pk]), {"agent": second_agent.code, "version": seen})
    assert lost.status_code == 302
    assert "changed by someone else" in second.get(reverse("work:queue")).content.decode()


def test_bulk_assign_one_agent_and_spread(alpha, queue):
    second = AgentFactory(team=alpha.team, processes=[alpha.process], code="A0002")
    client = _as(alpha.team_leader)
    tokens = [f"{i.pk}:{i.version}" for i in queue[:2]]
    response = client.post(
        reverse("work:bulk_assign"), {"items": tokens, "agents": ["A0001"], "mode": "one", "filters": ""}, **HTMX
    )
    assert "2 items assigned" in response.content.decode()
    tokens = [f"{i.pk}:{i.version}" for i in queue[2:]]
    response = client.post(
        reverse("work:bulk_assign"), {"items": tokens, "agents": ["A0001", "A0002"], "mode": "spread"}, **HTMX
    )
    assert "3 items assigned" in response.content.decode()
    loads = sorted(WorkItem.objects.filter(assignee=a).count() for a in (alpha.agent, second))
    assert loads == [2, 3]


def test_bulk_assign_explains_what_is_missing(alpha, queue):
    response = _as(alpha.team_leader).post(reverse("work:bulk_assign"), {"mode": "one"}, **HTMX)
    html = response.content.decode()
    assert "Select the items to assign first." in html and "Choose the agent to assign the selected items to." in html
    response = _as(alpha.team_leader).post(reverse("work:bulk_assign"), {"mode": "spread"}, **HTMX)
    assert "Tick the agents to share the items among" in response.content.decode()


def test_agent_works_their_items_from_my_work_and_the_trail_shows_every_move(alpha, queue):
    item = queue[0]
    _as(alpha.team_leader).post(reverse("work:assign", args=[item.pk]), {"agent": "A0001", "version": 1})
    agent = _as(alpha.agent_user)
    html = agent.get(reverse("work:mine")).content.decode()
    assert item.title in html and "Alpha task 1" not in html
    url = reverse("work:status", args=[item.pk])
    agent.post(url, {"to": "in_progress", "next": reverse("work:mine")})
    response = agent.post(url, {"to": "done", "note": ""}, follow=True)
    assert "Add a note" in response.content.decode()
    agent.post(url, {"to": "done", "note": "sorted"})
    item.refresh_from_db()
    assert item.status == Status.DONE
    detail = agent.get(reverse("work:detail", args=[item.pk])).content.decode()
    for text in ("Created", "Assigned", "In progress", "Done", "“sorted”"):
        assert text in detail
    csv_text = agent.get(reverse("work:audit_csv", args=[item.pk])).content.decode()
    assert csv_text.splitlines()[0].startswith("item,process,title,at,actor,event")
    assert len(csv_text.strip().splitlines()) == 4  # header, assigned, in progress, done


def test_agent_cannot_open_someone_elses_item_or_the_queue(alpha, queue):
    agent = _as(alpha.agent_user)
    assert agent.get(reverse("work:detail", args=[queue[0].pk])).status_code == 404
    assert agent.get(reverse("work:queue")).status_code == 403


def test_client_and_qa_users_have_no_access_to_work(alpha, queue):
    for user in (alpha.client_user, alpha.qa):
        client = _as(user)
        assert client.get(reverse("work:queue")).status_code == 403
        assert client.get(reverse("work:detail", args=[queue[0].pk])).status_code == 403


def test_what_changed_today_and_its_csv(alpha, queue):
    client = _as(alpha.team_leader)
    client.post(reverse("work:assign", args=[queue[0].pk]), {"agent": "A0001", "version": 1})
    html = client.get(reverse("work:changes")).content.decode()
    assert "Alpha task 0" in html and "Bravo" not in html
    response = client.get(reverse("work:changes"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().strip().splitlines()
    assert len(rows) == 1 + 1  # header and the assignment (the fixture's items were made directly)
    assert "Bravo" not in response.content.decode()


def test_create_page_defaults_due_time_from_the_process(alpha):
    client = _as(alpha.team_leader)
    response = client.post(
        reverse("work:create"), {"process": "ALPHA-VOICE", "type": "callback", "title": "Ring back", "priority": 3}
    )
    item = WorkItem.objects.get(title="Ring back")
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert item.due_at - item.received_at == timedelta(hours=alpha.process.tat_hours)
    assert item.created_by == alpha.team_leader


def test_import_page_is_all_or_nothing(alpha):
    client = _as(alpha.team_leader)
    bad = io.BytesIO(b"process,title\nALPHA-VOICE,Good\nBRAVO-VOICE,Bad\n")
    bad.name = "bad.csv"
    html = client.post(reverse("work:import"), {"file": bad}).content.decode()
    assert "line 3, column process: no process &#x27;BRAVO-VOICE&#x27; that you may import into" in html
    assert WorkItem.objects.count() == 0
    good = io.BytesIO(b"\xef\xbb\xbfprocess,title\nALPHA-VOICE,Good\n")
    good.name = "good.csv"
    assert client.post(reverse("work:import"), {"file": good}).status_code == 302
    assert WorkItem.objects.count() == 1


def test_settings_switch_auto_assignment_on_and_assign_the_waiting_items(alpha, queue):
    client = _as(alpha.team_leader)
    client.post(reverse("work:settings"), {"process": "ALPHA-VOICE", "auto_assign": "on", "max_open_per_agent": 3})
    settings = WorkSettings.objects.get(process=alpha.process)
    assert settings.auto_assign and settings.max_open_per_agent == 3
    assert WorkItem.objects.filter(assignee=alpha.agent).count() == 3
    html = client.get(reverse("work:settings")).content.decode()
    assert "ALPHA-VOICE" in html and "BRAVO" not in html
