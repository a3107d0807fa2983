"""Each role's home and menu fit the role (issue 13, item 8): an agent's open items by due time,
evaluations to acknowledge and today's own figures; a client user's SLA status and latest report;
a team leader's queues and outliers; a menu of what the role works with, grouped so that it fits;
an unread-notification count; notifications only for the people they concern; tenant isolation."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.context_processors import menu_for
from accounts.models import Role
from quality import services as quality_services
from quality.models import Notification
from reporting.models import DailyKpi
from tests.factories import AgentFactory, SLATargetFactory, UserFactory
from tests.quality_fixtures import SECTIONS, full_marks, make_interaction
from work.services import work_item_assign, work_item_create

# 06:00 UTC = 11:30 in Asia/Kolkata (ALPHA) and 01:00 in New York (BRAVO), both on 10 March.
NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, testid: str) -> str:
    """The markup of one home section (from its data-testid to the next section's)."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find("data-section=", start)
    return html[start : end if end != -1 else len(html)]


def _kpi_row(tenant, agent, day, **components):
    return DailyKpi.objects.create(
        process=tenant.process,
        client=tenant.client,
        local_date=day,
        agent=agent,
        team=agent.team,
        computed_at=NOW,
        **components,
    )


def _item(tenant, title, *, due_in_hours, assign_to=None):
    item = work_item_create(
        actor=tenant.team_leader,
        process=tenant.process,
        title=title,
        received_at=NOW - timedelta(hours=6),
        due_at=NOW + timedelta(hours=due_in_hours),
        auto_assign=False,
    )
    if assign_to is not None:
        item = work_item_assign(actor=tenant.team_leader, item=item, agent=assign_to)
    return item


def _scorecard(tenant):
    return quality_services.scorecard_create(
        actor=tenant.qa, process=tenant.process, name=f"{tenant.client.name} scorecard", sections=SECTIONS
    )


def _evaluate(tenant, scorecard, external_id, *, fatal=False):
    interaction = make_interaction(tenant.process, tenant.agent, external_id, TODAY - timedelta(days=1))
    answers = full_marks(scorecard)
    if fatal:
        answers[scorecard.criteria()[1].pk] = 0  # "Verified identity" is fatal
    return quality_services.evaluation_create(actor=tenant.qa, interaction=interaction, answers=answers)


# --- the agent ---------------------------------------------------------------------------------------


def test_agent_home_shows_open_items_by_due_time_evaluations_to_acknowledge_and_today_figures(client, alpha, bravo):
    _item(alpha, "Later item", due_in_hours=5, assign_to=alpha.agent)
    _item(alpha, "Overdue item", due_in_hours=-1, assign_to=alpha.agent)
    _item(alpha, "Someone else's item", due_in_hours=1)
    _item(bravo, "Bravo item", due_in_hours=1, assign_to=bravo.agent)
    scorecard = _scorecard(alpha)
    waiting = _evaluate(alpha, scorecard, "alpha-call-9")
    acknowledged = _evaluate(alpha, scorecard, "alpha-call-8")
    quality_services.evaluation_acknowledge(actor=alpha.agent_user, evaluation=acknowledged)
    _kpi_row(alpha, alpha.agent, TODAY, handled=4, handle_seconds=1200)
    _kpi_row(alpha, alpha.agent, TODAY - timedelta(days=1), handled=50, handle_seconds=50_000)  # not today

    html = _home(client, alpha.agent_user)

    items = _section(html, "home-my-items")
    assert "Overdue item" in items and "Later item" in items
    assert items.index("Overdue item") < items.index("Later item"), "earliest due first"
    assert "1 overdue" in items and "2 open" in items
    assert "Someone else" not in items and "Bravo item" not in html
    assert "IST" in items, "due times in the process's zone, named"

    awaiting = _section(html, "home-awaiting")
    assert "alpha-call-9" in awaiting and "alpha-call-8" not in awaiting
    assert waiting.get_absolute_url() in awaiting

    today = _section(html, "home-agent-today")
    assert 'data-figure="handled">4<' in today
    assert "Asia/Kolkata" in today and "Tue 10 Mar 2026" in today
    # No master-data tiles and no process table on an agent's home.
    assert 'data-testid="home-counts"' not in html and "Processes you cover" not in html
    assert 'data-testid="home-queue"' not in html and 'data-testid="home-client-sla"' not in html


def test_agent_without_an_agent_record_gets_a_clear_home(client, alpha):
    lonely = UserFactory(username="agent_unlinked", role=Role.AGENT)
    html = _home(client, lonely)
    assert "not linked to an agent record" in html
    assert 'data-testid="home-agent-today"' not in html
    assert "Nothing assigned to you right now" in _section(html, "home-my-items")


# --- the client user ---------------------------------------------------------------------------------


def test_client_home_shows_sla_status_and_latest_report_and_nothing_of_another_client(client, alpha, bravo):
    from sla.reports.services import report_generate

    SLATargetFactory(process=alpha.process, metric="aht", comparator="<=", target=300)
    SLATargetFactory(process=bravo.process, metric="aht", comparator="<=", target=999)
    report_generate(client=alpha.client, month=date(2026, 2, 1), notify=False)
    report_generate(client=bravo.client, month=date(2026, 2, 1), notify=False)
    report_generate(client=bravo.client, month=date(2026, 3, 1), notify=False)  # newer, but not theirs
    DailyKpi.objects.create(
        process=alpha.process, client=alpha.client, local_date=TODAY, offered=10, answered=10, sl_numerator=9,
        sl_denominator=10, handled=10, handle_seconds=2500, computed_at=NOW,
    )  # fmt: skip

    html = _home(client, alpha.client_user)

    status = _section(html, "home-client-sla")
    assert "ALPHA-VOICE" in status and "ALPHA-CHAT" in status
    assert "March 2026" in status and "Asia/Kolkata" in status
    assert "Service level" in status and "Average handle time" in status
    assert "No service-level target agreed" in status  # the chat process has none
    assert "On track" in status or "At risk" in status or "Off track" in status
    report = _section(html, "home-client-report")
    assert "February 2026" in report and "March 2026" not in report
    assert "BRAVO" not in html and "Bravo" not in html and "999" not in html
    assert 'data-testid="home-counts"' not in html and "Processes you cover" not in html


def test_client_home_before_the_first_report_says_when_it_comes(client, alpha):
    html = _home(client, alpha.client_user)
    assert "first monthly report" in _section(html, "home-client-report")


# --- the team leader ---------------------------------------------------------------------------------


def test_team_leader_home_shows_their_queues_and_the_agents_who_stand_out(client, alpha, bravo):
    steady = alpha.agent
    slow = AgentFactory(code="A0002", name="Alpha Slowhand", team=alpha.team, processes=[alpha.process])
    _item(alpha, "Unassigned", due_in_hours=1)
    _item(alpha, "Overdue", due_in_hours=-2, assign_to=steady)
    _item(alpha, "Later", due_in_hours=20, assign_to=steady)
    _item(bravo, "Bravo queue item", due_in_hours=1)
    day = TODAY - timedelta(days=3)
    _kpi_row(alpha, steady, day, handled=30, handle_seconds=30 * 300)
    _kpi_row(alpha, slow, day, handled=30, handle_seconds=30 * 900)  # team AHT 600 s; 900 > 1.25 × 600
    _kpi_row(alpha, slow, TODAY - timedelta(days=45), handled=500, handle_seconds=500 * 100)  # outside 30 days

    html = _home(client, alpha.team_leader)

    queue = _section(html, "home-queue")
    assert "ALPHA-VOICE" in queue and "BRAVO" not in queue
    assert "assignee=none" in queue and "due=overdue" in queue
    outliers = _section(html, "home-outliers")
    assert "Alpha Slowhand" in outliers and "AHT more than 25 % above the team" in outliers
    assert steady.name not in outliers
    assert "Last 30 days" in outliers and "Asia/Kolkata" in outliers
    assert "Processes you cover" in html  # the processes their agents work on
    assert 'data-testid="home-counts"' not in html and 'data-testid="home-my-items"' not in html
    assert "Bravo" not in html


def test_team_leader_queue_counts(client, alpha):
    from work.selectors import work_overdue_counts_by_process

    _item(alpha, "Unassigned", due_in_hours=1)
    _item(alpha, "Overdue", due_in_hours=-2, assign_to=alpha.agent)
    html = _section(_home(client, alpha.team_leader), "home-queue")
    counts = work_overdue_counts_by_process(alpha.team_leader)["ALPHA-VOICE"]
    assert (counts["open"], counts["unassigned"], counts["overdue"], counts["due_soon"]) == (2, 1, 1, 1)
    assert "Due within 2 h" in html
    assert f'href="{reverse("work:queue")}?process=ALPHA-VOICE&amp;assignee=none">1</a>' in html
    assert f'href="{reverse("work:queue")}?process=ALPHA-VOICE&amp;due=overdue">1</a>' in html


# --- the QA analyst ----------------------------------------------------------------------------------


def test_qa_home_lists_the_disputes_they_may_resolve_not_their_own_evaluations(client, alpha, bravo):
    scorecard = _scorecard(alpha)
    evaluation = _evaluate(alpha, scorecard, "alpha-call-6")
    quality_services.dispute_open(actor=alpha.agent_user, evaluation=evaluation, reason="The line dropped.")
    reviewer = UserFactory(username="qa_second", role=Role.QA_ANALYST)
    reviewer.assigned_processes.set([alpha.process])
    disputes = _section(_home(client, reviewer), "home-disputes")
    assert "The line dropped." in disputes and "Alpha Agentperson" in disputes
    # The evaluator does not review their own score; another tenant's analyst sees nothing of it.
    assert "The line dropped." not in _home(client, alpha.qa)
    assert "The line dropped." not in _home(client, bravo.qa)


# --- menus -------------------------------------------------------------------------------------------


def _menu(user, path="/"):
    menu, _ = menu_for(user, path)
    return [(node["label"], [child["label"] for child in node.get("children", [])]) for node in menu]


OPERATIONS = ["Work queue", "Staffing", "Imports", "Reports", "API documentation"]
ADMIN_OPERATIONS = ["Work queue", "Staffing", "Imports", "Reports", "Recompute", "API documentation"]
MASTER_DATA = ["Clients", "Processes", "Calendars", "Teams", "Agents", "Users"]


@pytest.mark.parametrize(
    "actor,expected",
    [
        (
            "admin",
            [
                ("Home", []),
                ("Dashboard", []),
                ("Operations", ADMIN_OPERATIONS),
                ("Quality", []),
                ("Master data", MASTER_DATA),
            ],
        ),
        (
            "ops",
            [
                ("Home", []),
                ("Dashboard", []),
                ("Operations", OPERATIONS),
                ("Quality", []),
                ("Master data", MASTER_DATA),
            ],
        ),
        (
            "team_leader",
            [
                ("Home", []),
                ("Dashboard", []),
                ("Operations", ["Work queue", "Staffing"]),
                ("Quality", []),
                ("Master data", ["Processes", "Teams", "Agents"]),
            ],
        ),
        ("qa", [("Home", []), ("Dashboard", []), ("Quality", []), ("Master data", ["Processes", "Agents"])]),
        ("agent_user", [("Home", []), ("Dashboard", []), ("My work", []), ("Quality", [])]),
        ("client_user", [("Home", []), ("Dashboard", []), ("Quality", [])]),
    ],
)
def test_each_role_gets_the_menu_it_works_with(alpha, admin_user, actor, expected):
    user = admin_user if actor == "admin" else getattr(alpha, actor)
    assert _menu(user) == expected


@pytest.mark.parametrize("actor", ["agent_user", "client_user", "team_leader", "qa"])
def test_no_api_documentation_link_for_roles_that_do_not_use_the_api(client, alpha, actor):
    html = _home(client, getattr(alpha, actor))
    assert reverse("api-docs") not in html


def test_managers_get_the_api_documentation_in_menu_and_footer(client, alpha):
    html = _home(client, alpha.ops)
    assert html.count(f'href="{reverse("api-docs")}"') == 2


def test_every_menu_entry_opens_for_its_role(client, alpha, admin_user):
    """What the menu offers, the role may open (no entry that answers 403)."""
    for user in (admin_user, alpha.ops, alpha.team_leader, alpha.qa, alpha.agent_user, alpha.client_user):
        client.force_login(user)
        for item in menu_for(user, "/")[1]:
            response = client.get(item["url"], follow=True)
            assert response.status_code == 200, (user.username, item["url"], response.status_code)


def test_the_active_entry_and_its_group_are_marked(client, alpha):
    menu, items = menu_for(alpha.ops, "/processes/imports/")
    active = [item["label"] for item in items if item["active"]]
    assert active == ["Imports"], "the longest matching prefix wins over Processes"
    assert [node["label"] for node in menu if node["active"]] == ["Operations"]
    client.force_login(alpha.ops)
    html = client.get("/clients/").content.decode()
    assert 'class="dropdown-item active" href="/clients/" aria-current="page"' in html
    assert 'class="nav-link dropdown-toggle active"' in html
    home = client.get("/").content.decode()
    assert 'class="nav-link active" href="/" aria-current="page"' in home


def test_grouped_entries_are_dropdown_items_of_the_main_navigation(client, alpha):
    html = _home(client, alpha.ops)
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    for label in MASTER_DATA + OPERATIONS:
        assert f"</i>{label}</a>" in nav
    assert nav.count('class="dropdown-item') >= len(MASTER_DATA + OPERATIONS)
    assert 'data-bs-toggle="dropdown"' in nav and 'href="#"' not in nav


# --- notifications -----------------------------------------------------------------------------------


def test_the_navigation_shows_the_unread_notification_count_and_links_to_the_page(client, alpha):
    for n in range(3):
        Notification.objects.create(recipient=alpha.agent_user, subject=f"Note {n}")
    Notification.objects.filter(subject="Note 0").update(read_at=NOW)
    Notification.objects.create(recipient=alpha.team_leader, subject="Not the agent's")
    html = _home(client, alpha.agent_user)
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    assert f'href="{reverse("quality:notifications")}" data-testid="nav-notifications"' in nav
    assert 'data-testid="notification-count">2<' in nav
    client.post(reverse("quality:notifications"))  # mark all read
    nav = client.get("/").content.decode()
    assert 'data-testid="notification-count"' not in nav and "no unread notifications" in nav


def test_a_routine_evaluation_reaches_the_agent_only(alpha):
    scorecard = _scorecard(alpha)
    _evaluate(alpha, scorecard, "alpha-call-1")
    assert Notification.objects.filter(recipient=alpha.agent_user, subject__startswith="New QA evaluation").count() == 1
    assert not Notification.objects.filter(recipient=alpha.team_leader).exists()


def test_a_fatal_evaluation_tells_the_team_leader_to_follow_up(alpha):
    scorecard = _scorecard(alpha)
    _evaluate(alpha, scorecard, "alpha-call-2", fatal=True)
    tl = list(Notification.objects.filter(recipient=alpha.team_leader).values_list("subject", "body"))
    assert len(tl) == 1 and tl[0][0].startswith("QA evaluation to follow up: Alpha Agentperson scored 0.0")
    assert "fatal" in tl[0][1]
    agent = Notification.objects.get(recipient=alpha.agent_user)
    assert "acknowledge" in agent.body


def test_a_score_below_the_quality_target_tells_the_team_leader(alpha):
    SLATargetFactory(process=alpha.process, metric="qa_score", comparator=">=", target=90)
    scorecard = _scorecard(alpha)
    answers = full_marks(scorecard)
    answers[scorecard.criteria()[2].pk] = 3  # "Understood the need" 3 of 5: 76.0
    interaction = make_interaction(alpha.process, alpha.agent, "alpha-call-3", TODAY)
    evaluation = quality_services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=answers)
    assert evaluation.score < 90
    note = Notification.objects.get(recipient=alpha.team_leader)
    assert "below the process's quality target of 90" in note.body
    # A score at the target is routine again.
    Notification.objects.all().delete()
    _evaluate(alpha, scorecard, "alpha-call-4")
    assert not Notification.objects.filter(recipient=alpha.team_leader).exists()


def test_a_dispute_outcome_reaches_the_agent_and_the_evaluator_not_the_team_leader(alpha):
    scorecard = _scorecard(alpha)
    evaluation = _evaluate(alpha, scorecard, "alpha-call-5")
    dispute = quality_services.dispute_open(actor=alpha.agent_user, evaluation=evaluation, reason="Wrong call.")
    reviewer = UserFactory(username="qa_reviewer", role=Role.QA_ANALYST)
    reviewer.assigned_processes.set([alpha.process])
    Notification.objects.all().delete()
    quality_services.dispute_resolve(actor=reviewer, dispute=dispute, decision="uphold", resolution="Score stands.")
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {alpha.agent_user.username, alpha.qa.username}


def test_the_notifications_page_lists_only_the_viewers_own(client, alpha, bravo):
    Notification.objects.create(recipient=alpha.agent_user, subject="For the agent only")
    Notification.objects.create(recipient=bravo.team_leader, subject="For the other team leader")
    Notification.objects.create(recipient=alpha.team_leader, subject="For this team leader")
    client.force_login(alpha.team_leader)
    html = client.get(reverse("quality:notifications")).content.decode()
    assert "For this team leader" in html
    assert "For the agent only" not in html and "For the other team leader" not in html


# --- in a real browser: the navigation fits ----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(1280, 800), (1440, 900)])
def test_the_admin_navigation_fits_on_one_line_and_its_menus_open(
    page, live_server, admin_user, alpha, password, screenshot, width, height
):
    """The role with the most entries: no sideways scrolling, the user menu inside the window,
    the navigation on one line; a group opens and its entry leads to the page, marked active."""
    Notification.objects.create(recipient=admin_user, subject="Unread one")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    scroll, client_width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client_width
    nav = page.get_by_role("navigation", name="Main")
    assert nav.bounding_box()["height"] < 70, "one line of navigation"
    user_menu = page.get_by_test_id("user-menu").bounding_box()
    assert user_menu["x"] + user_menu["width"] <= width
    assert page.get_by_test_id("notification-count").inner_text().startswith("1")
    page.get_by_test_id("nav-group-master-data").click()
    clients = nav.locator("a.dropdown-item", has_text="Clients")
    assert clients.is_visible()
    screenshot(page, f"nav-admin-{width}-open")
    clients.click()
    page.wait_for_url("**/clients/")
    assert nav.locator("a.dropdown-item.active", has_text="Clients").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
