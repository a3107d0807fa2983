"""Scoped reads of work items, their audit trail and agents' loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.scoping import scope_q
from agents.models import Agent
from bpo_portal.timezones import portal_zone
from processes.models import Process
from work.models import LOAD_STATUSES, OPEN_STATUSES, Status, WorkItem, WorkItemEvent, WorkSettings

# Items due within this many hours count as "about to breach".
DUE_SOON_HOURS = 2

SORTS = {
    "due": ("due_at", "-priority", "id"),
    "-due": ("-due_at", "-priority", "id"),
    "priority": ("-priority", "due_at", "id"),
    "-priority": ("priority", "due_at", "id"),
    "age": ("received_at", "id"),
    "-age": ("-received_at", "-id"),
    "status": ("status", "due_at", "id"),
}


def work_item_list(*, user) -> QuerySet[WorkItem]:
    """The work items `user` may see, with process, client and assignee."""
    return WorkItem.objects.filter(scope_q(WorkItem, user)).select_related("process", "client", "assignee")


def work_item_get(*, user, pk: int) -> WorkItem:
    """One work item, or WorkItem.DoesNotExist when `user` may not see it."""
    return work_item_list(user=user).get(pk=pk)


def work_queue(
    *,
    user,
    status: str = "",
    process: str = "",
    type: str = "",
    assignee: str = "",
    due: str = "",
    q: str = "",
    sort: str = "due",
    now: datetime | None = None,
) -> QuerySet[WorkItem]:
    """A team leader's queue: open items of the processes they may see (all statuses with
    `status="all"`), filtered and sorted (`SORTS`). `assignee` is an agent code, or "none" for
    unassigned; `due` is "overdue", "soon" (within DUE_SOON_HOURS) or "today"."""
    now = now or timezone.now()
    items = work_item_list(user=user)
    if status == "all":
        pass
    elif status in Status.values:
        items = items.filter(status=status)
    else:
        items = items.filter(status__in=OPEN_STATUSES)
    if process:
        items = items.filter(process__code=process)
    if type:
        items = items.filter(type=type)
    if assignee == "none":
        items = items.filter(assignee__isnull=True)
    elif assignee:
        items = items.filter(assignee__code=assignee)
    if due == "overdue":
        items = items.filter(due_at__lt=now)
    elif due == "soon":
        items = items.filter(due_at__gte=now, due_at__lt=now + timedelta(hours=DUE_SOON_HOURS))
    elif due == "today":
        items = items.filter(due_at__lt=timezone.localtime(now).replace(hour=23, minute=59, second=59))
    if q:
        condition = Q(title__icontains=q) | Q(customer_ref__icontains=q) | Q(external_id__icontains=q)
        if q.isdigit():
            condition |= Q(pk=int(q))
        items = items.filter(condition)
    return items.order_by(*SORTS.get(sort, SORTS["due"]))


def assignable_agents(*, user, processes=None) -> QuerySet[Agent]:
    """Active agents `user` may see, staffed on any of `processes` (default: the processes the
    user may see), annotated with `load` (open items) and `staffed_ids` prefetched."""
    visible_processes = Process.objects.filter(scope_q(Process, user))
    if processes is not None:
        visible_processes = visible_processes.filter(pk__in=[p.pk for p in processes])
    return (
        Agent.objects.filter(scope_q(Agent, user), active=True, processes__in=visible_processes)
        .distinct()
        .annotate(load=Count("work_items", filter=Q(work_items__status__in=LOAD_STATUSES), distinct=True))
        .select_related("team")
        .prefetch_related("processes")
        .order_by("code")
    )


def work_item_events(*, user, item: WorkItem | None = None) -> QuerySet[WorkItemEvent]:
    """Audit-trail entries `user` may see (of one item, when given), oldest first."""
    events = WorkItemEvent.objects.filter(scope_q(WorkItemEvent, user)).select_related(
        "actor", "from_agent", "to_agent", "work_item", "work_item__process"
    )
    if item is not None:
        events = events.filter(work_item=item)
    return events


def work_changes_on(*, user, start: datetime, end: datetime) -> QuerySet[WorkItemEvent]:
    """What changed in [start, end): the audit entries of the items `user` may see, newest first."""
    return work_item_events(user=user).filter(at__gte=start, at__lt=end).order_by("-at", "-id")


def my_work(*, user, include_closed_since: datetime | None = None) -> QuerySet[WorkItem]:
    """An agent's own items by due time: open ones, plus those closed since the given time."""
    items = work_item_list(user=user).filter(assignee__user=user)
    condition = Q(status__in=OPEN_STATUSES)
    if include_closed_since is not None:
        condition |= Q(completed_at__gte=include_closed_since)
    return items.filter(condition).order_by("due_at", "-priority", "id")


def work_settings_list(*, user) -> list[tuple[Process, WorkSettings]]:
    """(process, its work settings, unsaved defaults if none) for each process `user` may see."""
    processes = list(Process.objects.filter(scope_q(Process, user)).select_related("client").order_by("code"))
    saved = {s.process_id: s for s in WorkSettings.objects.of(process__in=processes)}
    return [(p, saved.get(p.pk) or WorkSettings(process=p)) for p in processes]


def work_overdue_counts_by_process(user, *, now: datetime | None = None) -> dict[str, dict]:
    """Open work items per process the user may see, keyed by process code (sorted):
    `{"ACME-VOICE": {"process": "ACME-VOICE", "name": …, "open": n, "unassigned": n,
    "overdue": n, "due_soon": n}}`. `overdue`: open and past due; `due_soon`: open and due within
    DUE_SOON_HOURS (not yet overdue). Processes without open items are left out. One query."""
    now = now or timezone.now()
    soon = now + timedelta(hours=DUE_SOON_HOURS)
    rows = (
        WorkItem.objects.filter(scope_q(WorkItem, user), status__in=OPEN_STATUSES)
        .values(code=F("process__code"), name=F("process__name"))
        .annotate(
            open=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
            due_soon=Count("id", filter=Q(due_at__gte=now, due_at__lt=soon)),
        )
        .order_by("code")
    )
    return {
        row["code"]: {
            "process": row["code"],
            "name": row["name"],
            "open": row["open"],
            "unassigned": row["unassigned"],
            "overdue": row["overdue"],
            "due_soon": row["due_soon"],
        }
        for row in rows
    }


def due_soon_items(*, user, now: datetime | None = None, limit: int = 10) -> QuerySet[WorkItem]:
    """Open items past due or due within DUE_SOON_HOURS, most urgent first (the alert panel)."""
    now = now or timezone.now()
    return (
        work_item_list(user=user)
        .filter(status__in=OPEN_STATUSES, due_at__lt=now + timedelta(hours=DUE_SOON_HOURS))
        .order_by("due_at", "-priority")[:limit]
    )


# --- what the work pages show ----------------------------------------------------------------------


def work_process_list(*, user) -> QuerySet[Process]:
    """The processes `user` may see, by code (the queue's filter, the pickers)."""
    return Process.objects.filter(scope_q(Process, user)).order_by("code")


def work_process_find(*, user, code: str) -> Process | None:
    """The process of that code if `user` may see it, else None."""
    return Process.objects.filter(scope_q(Process, user), code=code).first()


def work_agent_find(*, user, code: str) -> Agent | None:
    """The agent of that code if `user` may see it (and so assign to them), else None."""
    return Agent.objects.filter(scope_q(Agent, user), code=code).first()


def work_agents_by_codes(*, user, codes: list[str]) -> list[Agent]:
    """The agents of `codes` that `user` may see, in the order of `codes` (unknown ones left out)."""
    by_code = {a.code: a for a in Agent.objects.filter(scope_q(Agent, user), code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def work_items_selected(*, user, pks) -> list[WorkItem]:
    """The items of `pks` that `user` may see, in the order a bulk assignment takes them: due
    first, then highest priority."""
    return list(work_item_list(user=user).filter(pk__in=pks).order_by("due_at", "-priority", "id"))


def work_item_detail_list(*, user) -> QuerySet[WorkItem]:
    """`work_item_list` with what the item page also shows: the interaction it came from and who
    created it."""
    return work_item_list(user=user).select_related("interaction", "created_by")


def agent_of_user(user) -> Agent | None:
    """The agent record of a signed-in agent (None for other users)."""
    return Agent.objects.of(user=user).first()


@dataclass
class MyWork:
    """An agent's "My work": open items by due time, those closed since local midnight, how many
    open ones are overdue. Each item has `left` (seconds to its due time, negative when overdue)."""

    agent: Agent | None
    open_items: list[WorkItem]
    closed_today: list[WorkItem]
    overdue: int


def my_work_page(*, user, now: datetime) -> MyWork:
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    items = list(my_work(user=user, include_closed_since=start_of_day))
    for item in items:
        item.left = item.seconds_left(now)
    open_items = [i for i in items if i.is_open]
    return MyWork(
        agent=agent_of_user(user),
        open_items=open_items,
        closed_today=[i for i in items if not i.is_open],
        overdue=sum(1 for i in open_items if i.left < 0),
    )


def work_day_zone(*, user) -> tuple[str, list[str]]:
    """The zone whose days a page over the user's queues counts: their processes' one zone, or
    the portal's when they span several (the page then says so). Also returns all the zones."""
    zones = sorted(set(Process.objects.filter(scope_q(Process, user)).values_list("timezone", flat=True)))
    return (zones[0] if len(zones) == 1 else portal_zone()), zones


CHANGE_KINDS = ("created", "assigned", "reassigned", "status")


@dataclass
class WorkChanges:
    """The day's changes page: the newest `shown` audit entries, how many there are in all, and
    per kind of change how many of the shown ones are of it."""

    events: list[WorkItemEvent]
    total: int
    summary: dict[str, int]


def work_changes_page(*, user, start: datetime, end: datetime, shown: int = 500) -> WorkChanges:
    changes = work_changes_on(user=user, start=start, end=end)
    events = list(changes[:shown])
    return WorkChanges(
        events=events,
        total=changes.count(),
        summary={kind: sum(1 for e in events if e.kind == kind) for kind in CHANGE_KINDS},
    )


def work_settings_rows(*, user) -> list[dict]:
    """Per process `user` may see: its work settings (unsaved defaults if none), the new items
    waiting unassigned and how many active agents `user` may assign are staffed on it."""
    waiting = {
        row["process_id"]: row["n"]
        for row in work_item_list(user=user)
        .filter(status=Status.NEW, assignee__isnull=True)
        .values("process_id")
        .annotate(n=Count("id"))
    }
    staffed: dict[int, int] = {}
    for agent in assignable_agents(user=user):
        for process in agent.processes.all():
            staffed[process.pk] = staffed.get(process.pk, 0) + 1
    return [
        {
            "process": process,
            "settings": settings,
            "waiting": waiting.get(process.pk, 0),
            "agents": staffed.get(process.pk, 0),
        }
        for process, settings in work_settings_list(user=user)
    ]


def work_auto_assign_on(process) -> bool:
    """Whether automatic assignment is switched on for `process`."""
    return WorkSettings.objects.of(process=process).filter(auto_assign=True).exists()
