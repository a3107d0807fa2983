"""The role → capability table and each role's menu, as data (issue 15, item 6).

Each app registers its own capabilities and menu entries (accounts.registry); what the apps
register together must be exactly what the portal had when accounts held one table for all of
them: the same capabilities for the same roles, the same menu entries in the same order with the
same labels, icons and addresses, for every role. No database: the answers follow from the role.
"""

import pytest

from accounts.context_processors import menu_for
from accounts.models import User
from accounts.permissions import CAPABILITIES, has_capability

EVERYONE = {"admin", "ops_manager", "team_leader", "qa_analyst", "agent", "client"}
STAFF = EVERYONE - {"client"}
MANAGERS = {"admin", "ops_manager"}

CAPABILITY_ROLES = {
    "home.view": EVERYONE,
    "account.self": EVERYONE,
    "clients.view": EVERYONE,
    "clients.manage": MANAGERS,
    "processes.view": EVERYONE,
    "processes.manage": MANAGERS,
    "teams.view": STAFF,
    "teams.manage": MANAGERS,
    "agents.view": STAFF,
    "agents.manage": MANAGERS,
    "users.view": MANAGERS,
    "users.manage": MANAGERS,
    "interactions.view": STAFF,
    "interactions.import": MANAGERS,
    "kpis.view": EVERYONE,
    "dashboards.overview": MANAGERS,
    "dashboards.process": EVERYONE - {"agent"},
    "dashboards.team": MANAGERS | {"team_leader"},
    "dashboards.agent": MANAGERS | {"team_leader", "agent"},
    "dashboards.portal": MANAGERS | {"client"},
    "sla.view": EVERYONE - {"agent"},
    "reports.view": MANAGERS | {"client"},
    "reports.manage": MANAGERS,
    "work.view": MANAGERS | {"team_leader", "agent"},
    "work.assign": MANAGERS | {"team_leader"},
    "work.manage": MANAGERS | {"team_leader"},
    "work.do": {"admin", "agent"},
    "quality.view": EVERYONE,
    "quality.evaluations": STAFF,
    "quality.evaluate": MANAGERS | {"qa_analyst"},
    "quality.manage": MANAGERS | {"qa_analyst"},
    "quality.dispute": {"admin", "agent"},
    "coaching.view": STAFF,
    "coaching.manage": MANAGERS | {"team_leader"},
    "workforce.view": MANAGERS | {"team_leader"},
    "calendars.view": MANAGERS | {"team_leader"},
    "calendars.manage": MANAGERS,
    "recompute.run": {"admin"},
}

HOME = ("Home", "/", "house")
DASHBOARD = ("Dashboard", "/dashboard/", "speedometer2")
QUALITY = ("Quality", "/quality/", "clipboard-check")
WORK_QUEUE = ("Work queue", "/work/", "kanban")
STAFFING = ("Staffing", "/workforce/staffing/", "people")
OPERATIONS = (
    "Operations",
    "kanban",
    [
        WORK_QUEUE,
        STAFFING,
        ("Imports", "/processes/imports/", "upload"),
        ("Reports", "/reports/", "file-earmark-bar-graph"),
        ("API documentation", "/api/docs/", "braces"),
    ],
)
CLIENTS = ("Clients", "/clients/", "building")
PROCESSES = ("Processes", "/processes/", "diagram-3")
CALENDARS = ("Calendars", "/calendars/", "calendar-week")
TEAMS = ("Teams", "/teams/", "people")
AGENTS = ("Agents", "/agents/", "person-badge")
USERS = ("Users", "/account/users/", "person-gear")
MANAGER_MENU = [
    HOME,
    DASHBOARD,
    OPERATIONS,
    QUALITY,
    ("Master data", "database", [CLIENTS, PROCESSES, CALENDARS, TEAMS, AGENTS, USERS]),
]
# Administrators also run recomputes across workers (Operations → Recompute).
RECOMPUTE = ("Recompute", "/recompute/", "arrow-repeat")
ADMIN_MENU = [
    HOME,
    DASHBOARD,
    (OPERATIONS[0], OPERATIONS[1], [*OPERATIONS[2][:4], RECOMPUTE, OPERATIONS[2][4]]),
    QUALITY,
    MANAGER_MENU[4],
]

MENUS = {
    "admin": ADMIN_MENU,
    "ops_manager": MANAGER_MENU,
    "team_leader": [
        HOME,
        DASHBOARD,
        ("Operations", "kanban", [WORK_QUEUE, STAFFING]),
        QUALITY,
        ("Master data", "database", [PROCESSES, TEAMS, AGENTS]),
    ],
    "qa_analyst": [HOME, DASHBOARD, QUALITY, ("Master data", "database", [PROCESSES, AGENTS])],
    "agent": [HOME, DASHBOARD, ("My work", "/work/mine/", "check2-square"), QUALITY],
    "client": [HOME, DASHBOARD, QUALITY],
}


def _login(role, **extra):
    return User(username=f"someone-{role}", role=role, is_active=True, **extra)


def _as_data(menu):
    nodes = []
    for node in menu:
        if "children" in node:
            children = [(child["label"], child["url"], child["icon"]) for child in node["children"]]
            nodes.append((node["label"], node["icon"], children))
        else:
            nodes.append((node["label"], node["url"], node["icon"]))
    return nodes


def test_the_registered_capabilities_are_the_portals_table():
    assert {name: set(roles) for name, roles in CAPABILITIES.items()} == CAPABILITY_ROLES


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_has_exactly_its_capabilities(role):
    user = _login(role)
    granted = {name for name in CAPABILITY_ROLES if has_capability(user, name)}
    assert granted == {name for name, roles in CAPABILITY_ROLES.items() if role in roles}


def test_a_superuser_has_the_administrators_capabilities_and_menu():
    user = _login("agent", is_superuser=True)
    assert {name for name in CAPABILITY_ROLES if has_capability(user, name)} == set(CAPABILITY_ROLES)
    assert _as_data(menu_for(user, "/")[0]) == MENUS["admin"]


def test_an_unknown_capability_is_refused_loudly():
    with pytest.raises(KeyError):
        has_capability(_login("admin"), "nothing.such")


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_roles_menu_is_the_portals_menu(role):
    assert _as_data(menu_for(_login(role), "/")[0]) == MENUS[role]


GROUP_OF = {
    **dict.fromkeys(
        ["Work queue", "Staffing", "My work", "Imports", "Reports", "Recompute", "API documentation"], "Operations"
    ),
    **dict.fromkeys(["Clients", "Processes", "Calendars", "Teams", "Agents", "Users"], "Master data"),
}


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_the_flat_list_of_entries_follows_the_menu_and_names_each_group(role):
    """A group with one visible entry is shown as that entry, which still belongs to its group."""
    _, items = menu_for(_login(role), "/")
    expected = []
    for node in MENUS[role]:
        for label, url, _icon in node[2] if isinstance(node[2], list) else [node]:
            expected.append((label, url, GROUP_OF.get(label)))
    assert [(item["label"], item["url"], item["group"]) for item in items] == expected
