from django.urls import reverse

from accounts.permissions import has_capability

# (label, url name, capability, icon)
NAVIGATION = [
    ("Home", "home", "home.view", "house"),
    ("Dashboard", "reporting:mine", "kpis.view", "speedometer2"),
    ("Clients", "clients:list", "clients.view", "building"),
    ("Processes", "processes:list", "processes.view", "diagram-3"),
    ("Teams", "agents:team_list", "teams.view", "people"),
    ("Agents", "agents:list", "agents.view", "person-badge"),
    ("Quality", "quality:home", "quality.view", "clipboard-check"),
    ("Work queue", "work:queue", "work.assign", "kanban"),
    ("My work", "work:mine", "work.do", "check2-square"),
    ("Reports", "reports:list", "reports.manage", "file-earmark-bar-graph"),
    ("Imports", "processes:imports", "interactions.import", "upload"),
    ("Users", "accounts:user_list", "users.view", "person-gear"),
]


def navigation(request):
    """The navigation entries the signed-in user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, capability, icon in NAVIGATION:
        if has_capability(user, capability):
            url = reverse(name)
            items.append({"label": label, "url": url, "icon": icon, "active": False})
    # The entry whose URL is the longest prefix of the current path is the active one.
    matches = [
        item
        for item in items
        if request.path == item["url"] or (item["url"] != "/" and request.path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
