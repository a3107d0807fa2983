"""The navigation bar: the entries the apps register (accounts.registry), as each role gets them."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.permissions import MANAGERS, has_capability
from accounts.registry import NavEntry, nav_counts, navigation_tree
from accounts.scoping import effective_role


def _entry(user, role, entry: NavEntry):
    """The entry as the template shows it, or None when this role does not get it: the
    capability decides whether the role may open the page at all (ROLES.md); `roles` keeps the
    menu to what the role works with."""
    if not has_capability(user, entry.capability) or (entry.roles is not None and role not in entry.roles):
        return None
    return {"label": entry.label, "url": reverse(entry.url_name), "icon": entry.icon, "active": False}


def menu_for(user, path: str) -> tuple[list[dict], list[dict]]:
    """(menu, items): the role's menu as top-level entries and groups ({"label", "icon",
    "active", "children"}), and the flat list of its entries. The entry whose URL is the longest
    prefix of `path` is active, and so is the group that holds it."""
    role = effective_role(user)
    menu, items = [], []
    for node in navigation_tree():
        if isinstance(node, tuple):
            group, children = node
            visible = [e for e in (_entry(user, role, child) for child in children) if e is not None]
            for entry in visible:
                entry["group"] = group.label
            items.extend(visible)
            if len(visible) == 1:
                menu.append(visible[0])
            elif visible:
                menu.append({"label": group.label, "icon": group.icon, "active": False, "children": visible})
        else:
            entry = _entry(user, role, node)
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
