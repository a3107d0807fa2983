from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.permissions import MANAGERS, has_capability
from accounts.registry import nav_counts
from accounts.scoping import AGENT, QA_ANALYST, TEAM_LEADER, effective_role

# The menu: top-level entries and groups (dropdowns) of entries, in order. An entry is
# (label, url name, capability, icon, roles it is shown to or None for every role the capability
# allows). The capability decides whether a role may open the page at all (ROLES.md); `roles`
# keeps the menu to what the role works with (an agent may open their own agent page, but
# "Agents" is not an entry of their menu). A group with one visible entry is shown as that entry.
NAVIGATION = [
    ("Home", "home", "home.view", "house", None),
    ("Dashboard", "reporting:mine", "kpis.view", "speedometer2", None),
    (
        "Operations",
        "kanban",
        [
            ("Work queue", "work:queue", "work.assign", "kanban", None),
            ("My work", "work:mine", "work.do", "check2-square", frozenset({AGENT})),
            ("Imports", "processes:imports", "interactions.import", "upload", None),
            ("Reports", "reports:list", "reports.manage", "file-earmark-bar-graph", None),
            ("API documentation", "api-docs", "home.view", "braces", MANAGERS),
        ],
    ),
    ("Quality", "quality:home", "quality.view", "clipboard-check", None),
    (
        "Master data",
        "database",
        [
            ("Clients", "clients:list", "clients.view", "building", MANAGERS),
            ("Processes", "processes:list", "processes.view", "diagram-3", MANAGERS | {TEAM_LEADER, QA_ANALYST}),
            ("Teams", "agents:team_list", "teams.view", "people", MANAGERS | {TEAM_LEADER}),
            ("Agents", "agents:list", "agents.view", "person-badge", MANAGERS | {TEAM_LEADER, QA_ANALYST}),
            ("Users", "accounts:user_list", "users.view", "person-gear", None),
        ],
    ),
]


def _entry(user, role, label, name, capability, icon, roles):
    if not has_capability(user, capability) or (roles is not None and role not in roles):
        return None
    return {"label": label, "url": reverse(name), "icon": icon, "active": False}


def menu_for(user, path: str) -> tuple[list[dict], list[dict]]:
    """(menu, items): the role's menu as top-level entries and groups ({"label", "icon",
    "active", "children"}), and the flat list of its entries. The entry whose URL is the longest
    prefix of `path` is active, and so is the group that holds it."""
    role = effective_role(user)
    menu, items = [], []
    for node in NAVIGATION:
        if isinstance(node[2], list):
            label, icon, children = node
            visible = [e for e in (_entry(user, role, *child) for child in children) if e is not None]
            for entry in visible:
                entry["group"] = label
            items.extend(visible)
            if len(visible) == 1:
                menu.append(visible[0])
            elif visible:
                menu.append({"label": label, "icon": icon, "active": False, "children": visible})
        else:
            entry = _entry(user, role, *node)
            if entry is not None:
                entry["group"] = None
                items.append(entry)
                menu.append(entry)
    matches = [item for item in items if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))]
    if matches:
        active = max(matches, key=lambda item: len(item["url"]))
        active["active"] = True
        for node in menu:
            if active in node.get("children", ()):
                node["active"] = True
    return menu, items


def navigation(request):
    """The navigation of the signed-in user's role, and the counts shown in it (unread
    notifications: counted only when a page shows them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    menu, items = menu_for(user, request.path)
    return {
        "nav_menu": menu,
        "nav_items": items,
        "nav_counts": SimpleLazyObject(lambda: nav_counts(user)),
        "nav_api_docs": effective_role(user) in MANAGERS,
    }
