"""Every write to work items: create, update, assign (one, many, automatically), status changes,
CSV import and the completion record for the KPI engine. Each write bumps the item's `version`
and appends to its audit trail (WorkItemEvent) in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.permissions import has_capability
from accounts.scoping import effective_role
from agents.models import Agent
from bpo_portal.services import set_fields
from bpo_portal.tenancy import UNIQUENESS, cross_tenant
from processes.imports import ImportFailed, import_records
from work.models import (
    LOAD_STATUSES,
    EventKind,
    Priority,
    Status,
    WorkItem,
    WorkItemEvent,
    WorkSettings,
    WorkType,
)

UPDATE_FIELDS = {"type", "title", "details", "customer_ref", "priority", "received_at", "due_at", "interaction"}


class WorkItemConflict(ValidationError):
    """Someone else changed the item since the caller loaded it: nothing was written."""


def _conflict(item_id: int) -> WorkItemConflict:
    current = (
        WorkItem.objects.unscoped("the item the caller was changing, read again to say who changed it")
        .select_related("assignee")
        .filter(pk=item_id)
        .first()
    )
    if current is None:
        return WorkItemConflict(f"Item #{item_id} no longer exists.")
    who = f"assigned to {current.assignee.code} — {current.assignee.name}" if current.assignee else "unassigned"
    return WorkItemConflict(
        f"Item #{item_id} was changed by someone else since you loaded it: it is now {who} "
        f"({current.get_status_display().lower()}). Nothing was changed; reload to see the latest."
    )


def _event(item: WorkItem, *, actor, kind: str, at: datetime, note: str = "", **fields) -> WorkItemEvent:
    return WorkItemEvent.objects.create(work_item=item, actor=actor, kind=kind, at=at, note=note, **fields)


def default_due_at(process, received_at: datetime) -> datetime:
    """Received + the process's turnaround target (`tat_hours`)."""
    return received_at + timedelta(hours=process.tat_hours)


def _check_interaction(process, interaction) -> None:
    if interaction is not None and interaction.process_id != process.pk:
        raise ValidationError({"interaction": "The linked interaction must belong to the same process."})


def _validate(item: WorkItem) -> None:
    item.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    if item.due_at and item.received_at and item.due_at < item.received_at:
        raise ValidationError({"due_at": "The due time cannot be before the item was received."})
    if item.external_id:
        clash = (
            WorkItem.objects.unscoped(UNIQUENESS)
            .filter(process_id=item.process_id, external_id=item.external_id)
            .exclude(pk=item.pk)
        )
        if clash.exists():
            raise ValidationError({"external_id": "This process already has a work item with this external id."})


@transaction.atomic
def work_item_create(
    *,
    actor,
    process,
    title: str,
    type: str = WorkType.BACK_OFFICE,
    details: str = "",
    customer_ref: str = "",
    priority: int = Priority.NORMAL,
    received_at: datetime | None = None,
    due_at: datetime | None = None,
    external_id: str = "",
    interaction=None,
    assignee: Agent | None = None,
    auto_assign: bool = True,
) -> WorkItem:
    """Create a work item of `process` (already checked visible to `actor`).

    `due_at` defaults to received + the process's `tat_hours`. With an `assignee` the item is
    assigned at once (they must be staffed on the process); otherwise, if the process assigns
    automatically, the automatic assignment runs.
    """
    received_at = received_at or timezone.now()
    _check_interaction(process, interaction)
    item = WorkItem(
        process=process,
        client_id=process.client_id,
        title=title,
        type=type,
        details=details,
        customer_ref=customer_ref,
        priority=priority,
        received_at=received_at,
        due_at=due_at or default_due_at(process, received_at),
        external_id=external_id,
        interaction=interaction,
        created_by=actor,
    )
    _validate(item)
    item.save()
    _event(item, actor=actor, kind=EventKind.CREATED, at=item.created_at, to_status=Status.NEW)
    if assignee is not None:
        item = work_item_assign(actor=actor, item=item, agent=assignee, expected_version=item.version)
    elif auto_assign:
        work_items_auto_assign(process=process)
        item.refresh_from_db()
    return item


def _bump(item: WorkItem, expected_version: int | None, **changes) -> WorkItem:
    """Write `changes` only if the item is still at `expected_version` (a conditional update whose
    row count says who won); raise WorkItemConflict otherwise."""
    version = item.version if expected_version is None else expected_version
    updated = (
        WorkItem.objects.of(pk=item)
        .filter(version=version)
        .update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    )
    if updated != 1:
        raise _conflict(item.pk)
    item.refresh_from_db()
    return item


def _stop_clock(item: WorkItem, now: datetime) -> dict:
    """Fields that close the current work stretch (if any) into `handle_seconds`."""
    if item.status != Status.IN_PROGRESS or item.working_since is None:
        return {}
    stretch = max(0, int((now - item.working_since).total_seconds()))
    return {"handle_seconds": item.handle_seconds + stretch, "working_since": None}


@transaction.atomic
def work_item_update(*, actor, item: WorkItem, expected_version: int | None = None, **fields) -> WorkItem:
    """Change an item's description, priority or times (not its status or assignee)."""
    if not item.is_open:
        raise ValidationError(f"Item #{item.pk} is {item.get_status_display().lower()}: it can no longer be edited.")
    set_fields(item, fields, allowed=UPDATE_FIELDS)
    _check_interaction(item.process, item.interaction)
    _validate(item)
    changed = {name: getattr(item, name) for name in fields}
    if "interaction" in changed:
        changed["interaction_id"] = changed.pop("interaction").pk if changed["interaction"] else None
    item = _bump(item, expected_version if expected_version is not None else item.version, **changed)
    note = "Changed " + ", ".join(sorted(fields)) if fields else ""
    _event(item, actor=actor, kind=EventKind.UPDATED, at=item.updated_at, note=note)
    return item


def check_assignable(item: WorkItem, agent: Agent) -> None:
    """An item goes only to an active agent staffed on its process (so never to an agent of
    another client's process)."""
    if not agent.active:
        raise ValidationError({"agent": f"Agent {agent.code} is inactive."})
    if not agent.processes.filter(pk=item.process_id).exists():
        raise ValidationError({"agent": f"Agent {agent.code} is not staffed on process {item.process.code}."})


@transaction.atomic
def work_item_assign(
    *, actor, item: WorkItem, agent: Agent | None, expected_version: int | None = None, note: str = ""
) -> WorkItem:
    """Assign (or reassign, or with `agent=None` unassign) an open item.

    With `expected_version` the write happens only if nobody changed the item since the caller
    saw that version; otherwise WorkItemConflict tells who holds it now. An in-progress item that
    changes hands goes back to "assigned" for its new agent; its handling time so far is kept.
    """
    if not item.is_open:
        raise ValidationError(f"Item #{item.pk} is {item.get_status_display().lower()}: it cannot be assigned.")
    if expected_version is not None and expected_version != item.version:
        raise _conflict(item.pk)
    if agent is not None:
        check_assignable(item, agent)
    if agent is not None and agent.pk == item.assignee_id:
        return item
    if agent is None and item.assignee_id is None:
        return item
    now = timezone.now()
    before_status, before_agent = item.status, item.assignee
    to_status = Status.NEW if agent is None else Status.ASSIGNED
    if not item.can_transition(to_status):
        raise ValidationError(f"Item #{item.pk} cannot go from {before_status} to {to_status}.")
    changes = {"assignee": agent, "status": to_status, "assigned_at": now if agent else None, **_stop_clock(item, now)}
    item = _bump(item, expected_version, **changes)
    if agent is None:
        kind = EventKind.UNASSIGNED
    else:
        kind = EventKind.REASSIGNED if before_agent is not None else EventKind.ASSIGNED
    _event(
        item,
        actor=actor,
        kind=kind,
        at=now,
        note=note,
        from_status=before_status,
        to_status=to_status,
        from_agent=before_agent,
        to_agent=agent,
    )
    return item


def agent_loads(agent_ids: Iterable[int]) -> dict[int, int]:
    """Open items (assigned, in progress or on hold) per agent, across all their processes."""
    agent_ids = list(agent_ids)
    loads = dict.fromkeys(agent_ids, 0)
    rows = (
        WorkItem.objects.unscoped("an agent's load counts their open items on every process they work on")
        .filter(assignee_id__in=agent_ids, status__in=LOAD_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        loads[row["assignee_id"]] = row["n"]
    return loads


@dataclass
class BulkResult:
    assigned: list[WorkItem] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def choose_agent(loads: dict[int, int], order: Sequence[int], *, cap: int | None = None, last: int | None = None):
    """The agent for the next item: the least loaded of `order` (below `cap`, if any); among
    equally loaded agents the first after `last` in `order`, wrapping round (round-robin).
    None when every agent is at the cap."""
    candidates = [a for a in order if cap is None or loads[a] < cap]
    if not candidates:
        return None
    least = min(loads[a] for a in candidates)
    tied = [a for a in candidates if loads[a] == least]
    if last is not None and last in order:
        position = order.index(last)
        after = [a for a in tied if order.index(a) > position]
        if after:
            return after[0]
    return tied[0]


def work_items_bulk_assign(
    *, actor, items: Sequence[tuple[WorkItem, int | None]], agents: Sequence[Agent], spread: bool = False
) -> BulkResult:
    """Assign many items: all to `agents[0]`, or (`spread`) each to the least loaded of the
    chosen agents, ties in turn. Each item is its own transaction: an item someone else changed
    meanwhile, or that one of the agents cannot take, is reported in `failed` and left alone."""
    result = BulkResult()
    if not agents:
        result.failed.append("Choose an agent.")
        return result
    order = [a.pk for a in agents]
    by_pk = {a.pk: a for a in agents}
    loads = agent_loads(order)
    staffing: dict[int, set[int]] = {}
    for agent_id, process_id in Agent.processes.through.objects.filter(agent_id__in=order).values_list(
        "agent_id", "process_id"
    ):
        staffing.setdefault(agent_id, set()).add(process_id)
    last = None
    for item, version in items:
        if spread:
            agent_pk = choose_agent(loads, order, last=last)
            # An agent not staffed on this item's process cannot take it: try the others.
            staffed = [a for a in order if item.process_id in staffing.get(a, ())]
            if agent_pk not in staffed:
                agent_pk = choose_agent(loads, staffed, last=last) if staffed else None
            if agent_pk is None:
                result.failed.append(f"Item #{item.pk}: none of the chosen agents is staffed on {item.process.code}.")
                continue
        else:
            agent_pk = order[0]
        try:
            with transaction.atomic():
                before = item.assignee_id
                assigned = work_item_assign(actor=actor, item=item, agent=by_pk[agent_pk], expected_version=version)
        except ValidationError as exc:
            result.failed.append(f"Item #{item.pk}: {' '.join(exc.messages)}")
            continue
        if before != agent_pk:
            loads[agent_pk] += 1
            if before in loads:
                loads[before] -= 1
        last = agent_pk
        result.assigned.append(assigned)
    return result


@cross_tenant("automatic assignment is the process's own rule, run for it whoever triggers it")
def work_items_auto_assign(*, process, limit: int | None = None) -> int:
    """Give the process's unassigned items to its agents, if it assigns automatically.

    Candidates are the active agents staffed on the process (so never another client's agent).
    Items go earliest due first (then higher priority, then oldest); each to the least loaded
    candidate below the process's cap of open items, ties round-robin from the last agent given
    one. The settings row is locked while it runs, so two runs for one process never interleave.
    Returns how many items were assigned.
    """
    with transaction.atomic():
        settings = WorkSettings.objects.select_for_update().filter(process=process).first()
        if settings is None or not settings.auto_assign:
            return 0
        order = list(Agent.objects.filter(processes=process, active=True).order_by("code").values_list("pk", flat=True))
        if not order:
            return 0
        agents = {a.pk: a for a in Agent.objects.filter(pk__in=order)}
        loads = agent_loads(order)
        cap = settings.max_open_per_agent
        last = settings.last_agent_id
        items = WorkItem.objects.filter(process=process, status=Status.NEW, assignee__isnull=True).order_by(
            "due_at", "-priority", "received_at", "id"
        )
        if limit is not None:
            items = items[:limit]
        assigned = 0
        for item in items.select_related("process"):
            agent_pk = choose_agent(loads, order, cap=cap, last=last)
            if agent_pk is None:
                break
            try:
                with transaction.atomic():
                    work_item_assign(actor=None, item=item, agent=agents[agent_pk], note="automatic assignment")
            except WorkItemConflict:
                continue  # someone assigned it by hand meanwhile
            loads[agent_pk] += 1
            last = agent_pk
            assigned += 1
        if last != settings.last_agent_id:
            WorkSettings.objects.filter(pk=settings.pk).update(last_agent_id=last)
        return assigned


@transaction.atomic
def work_settings_update(*, actor, process, auto_assign: bool, max_open_per_agent: int) -> WorkSettings:
    """Switch a process's automatic assignment on or off and set its cap; switching it on
    assigns what is waiting straight away."""
    settings, _ = WorkSettings.objects.of(process=process).get_or_create(process=process)
    settings.auto_assign = auto_assign
    settings.max_open_per_agent = max_open_per_agent
    settings.full_clean(exclude=["process", "last_agent"])
    settings.save()
    if auto_assign:
        work_items_auto_assign(process=process)
    return settings


# --- status changes -------------------------------------------------------------------------------

AGENT_ACTIONS = {Status.IN_PROGRESS, Status.ON_HOLD, Status.DONE}


def _may_change_status(actor, item: WorkItem, to: str) -> None:
    role = effective_role(actor)
    if to == Status.CANCELLED:
        if not has_capability(actor, "work.manage"):
            raise ValidationError("Only a team leader or a manager can cancel a work item.")
        return
    if to not in AGENT_ACTIONS:
        raise ValidationError({"status": f"Use assignment to move an item to {to}."})
    if role == "admin":
        return
    if item.assignee is None or item.assignee.user_id != getattr(actor, "pk", None):
        raise ValidationError("Only the agent the item is assigned to can start, hold or complete it.")


@transaction.atomic
def work_item_transition(
    *,
    actor,
    item: WorkItem,
    to: str,
    note: str = "",
    expected_version: int | None = None,
) -> WorkItem:
    """Move an item to status `to` following TRANSITIONS: the assignee starts (or resumes),
    holds and completes it; a team leader or manager cancels it. Holding and completing need a
    note. Time in progress adds up in `handle_seconds`; completing a back-office item records its
    handling as a back-office interaction through the import service, so the KPIs follow."""
    if to not in Status.values:
        raise ValidationError({"status": f"'{to}' is not a status."})
    if not item.can_transition(to) or to in (Status.NEW, Status.ASSIGNED):
        raise ValidationError(
            {"status": f"An item that is {item.get_status_display().lower()} cannot become {Status(to).label.lower()}."}
        )
    _may_change_status(actor, item, to)
    note = (note or "").strip()
    if to in (Status.ON_HOLD, Status.DONE, Status.CANCELLED) and not note:
        raise ValidationError({"note": "Add a note saying why (it goes into the audit trail)."})
    now = timezone.now()
    before = item.status
    changes: dict = {"status": to, **_stop_clock(item, now)}
    if to == Status.IN_PROGRESS:
        changes["working_since"] = now
        if item.started_at is None:
            changes["started_at"] = now
    if to == Status.DONE:
        changes["completed_at"] = now
    item = _bump(item, expected_version, **changes)
    _event(item, actor=actor, kind=EventKind.STATUS, at=now, note=note, from_status=before, to_status=to)
    if to == Status.DONE and item.type == WorkType.BACK_OFFICE:
        record_handling(item)
    return item


def record_handling(item: WorkItem):
    """Create or update the back-office interaction (external id `WI-<id>`) that feeds the KPI
    engine with this completed item: arrived = received, answered = work started, ended =
    completed, talk seconds = time in progress. Goes through the interaction import service, so
    the affected KPI days are marked and recomputed like any import. Idempotent."""
    received = item.received_at
    answered = max(item.started_at or item.completed_at, received)
    ended = max(item.completed_at, answered)
    record = {
        "external_id": item.kpi_external_id,
        "process": item.process.code,
        "agent": item.assignee.code,
        "channel": "backoffice",
        "direction": "inbound",
        "customer_ref": item.customer_ref,
        "arrived_at": received.isoformat(),
        "answered_at": answered.isoformat(),
        "ended_at": ended.isoformat(),
        "talk_seconds": item.handle_seconds,
        "disposition": "work_item_done",
    }
    try:
        # The work service has already checked the actor; the record is the system's own.
        with cross_tenant("the handling record of a work item is the system's own import"):
            return import_records([record], user=None)
    except ImportFailed as failed:
        raise ValidationError(
            "The handling time could not be recorded for the KPIs: " + "; ".join(failed.report.error_lines())
        ) from None
