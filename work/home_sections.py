"""The work-item sections of the role home pages (registered in WorkConfig.ready, rendered by
accounts.views.HomeView): an agent's open items by due time, a team leader's queues."""

from django.utils import timezone

from accounts.registry import HomeSection, register_home_section
from accounts.scoping import AGENT, TEAM_LEADER
from work.selectors import DUE_SOON_HOURS, my_work, work_overdue_counts_by_process

MY_ITEMS_SHOWN = 8


def my_open_items(request):
    """The agent's open items, earliest due first (the first few, with the total and overdue)."""

    now = timezone.now()
    items = list(my_work(user=request.user))
    for item in items:
        item.left = item.seconds_left(now)
    return {
        "items": items[:MY_ITEMS_SHOWN],
        "total": len(items),
        "overdue": sum(1 for item in items if item.left < 0),
    }


def team_queue(request):
    """Open items per process of the team leader's queues: open, unassigned, overdue, due soon."""

    rows = list(work_overdue_counts_by_process(request.user).values())
    totals = {key: sum(row[key] for row in rows) for key in ("open", "unassigned", "overdue", "due_soon")}
    return {"rows": rows, "totals": totals, "soon_hours": DUE_SOON_HOURS}


def register():
    register_home_section(
        HomeSection(
            key="work.my_items",
            roles=frozenset({AGENT}),
            template="work/_home_my_items.html",
            context=my_open_items,
            order=10,
            width=7,
        )
    )
    register_home_section(
        HomeSection(
            key="work.team_queue",
            roles=frozenset({TEAM_LEADER}),
            template="work/_home_queue.html",
            context=team_queue,
            order=10,
            width=6,
        )
    )
