"""Demo work items for `make demo`: a morning queue of unassigned items on tl.north's process
(ACME-VOICE), some assigned, in-progress, overdue and finished ones for realism, and a Globex
back-office queue that assigns itself. Built through the work services, so every move is in the
audit trail; a finished back-office item reaches the KPIs through the import service.

Idempotent per day: each day's batch has external ids `DEMO-<date>-…`, made once.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agents.models import Agent
from processes.models import Process
from work.models import EventKind, Priority, Status, WorkItem, WorkItemEvent, WorkSettings, WorkType
from work.services import (
    record_handling,
    work_item_assign,
    work_item_create,
    work_item_transition,
    work_settings_update,
)

TITLES = {
    WorkType.CALLBACK: [
        "Call back about delayed delivery",
        "Return call: refund status",
        "Call back re. damaged item",
        "Customer asked for a call after 2 pm",
        "Missed call from VIP customer",
    ],
    WorkType.FOLLOW_UP: [
        "Follow up on replacement order",
        "Confirm address change went through",
        "Check that the credit note was received",
        "Send warranty documents",
    ],
    WorkType.ESCALATION: [
        "Complaint escalated from social media",
        "Second complaint on the same order",
        "Chargeback dispute needs a statement",
    ],
    WorkType.BACK_OFFICE: [
        "Update customer address in the CRM",
        "Process refund request",
        "Cancel duplicate order",
        "Merge duplicate customer records",
        "Re-issue invoice with VAT number",
    ],
}
PRIORITIES = [Priority.NORMAL] * 5 + [Priority.HIGH] * 2 + [Priority.LOW, Priority.URGENT]
PORTING = ["Port-in request", "Port-out authorisation", "Fix rejected porting request", "Validate PAC code"]


def _pick(rng, kind):
    return rng.choice(TITLES[kind])


def _backdate_finished(item: WorkItem, rng: random.Random, now) -> None:
    """Give an item the services have just completed (at `now`) a believable past: assigned some
    minutes after it was received, started 20 min - 4 h after that, worked `handle_seconds` with a
    pause or two, completed at least 5 minutes before `now`. Every time lies between received and
    `now` and the times are in order (received <= assigned <= started <= completed), in the item
    and in its audit trail; a back-office item's KPI record is rewritten to match."""
    received = item.received_at
    handle = rng.randint(240, 1500)
    pauses = timedelta(minutes=rng.randint(0, 20))
    latest_start = now - timedelta(minutes=5) - pauses - timedelta(seconds=handle)
    started = max(received, min(received + timedelta(minutes=rng.randint(20, 240)), latest_start))
    assigned = max(received, started - timedelta(minutes=rng.randint(2, 15)))
    completed = min(started + timedelta(seconds=handle) + pauses, now)
    handle = min(handle, int((completed - started).total_seconds()))
    WorkItem.objects.filter(pk=item.pk).update(
        assigned_at=assigned, started_at=started, working_since=None, completed_at=completed, handle_seconds=handle
    )
    events = WorkItemEvent.objects.filter(work_item=item)
    events.filter(kind__in=[EventKind.ASSIGNED, EventKind.REASSIGNED]).update(at=assigned)
    events.filter(kind=EventKind.STATUS, to_status=Status.IN_PROGRESS).update(at=started)
    events.filter(kind=EventKind.STATUS, to_status=Status.DONE).update(at=completed)
    item.refresh_from_db()
    if item.type == WorkType.BACK_OFFICE:
        record_handling(item)  # the same WI-<id> record, now with the backdated times


@transaction.atomic
def seed_work_items(now=None) -> int:
    """Create today's demo work items once. Returns how many were created (0 if already there)."""
    now = now or timezone.now()
    tag = f"DEMO-{timezone.localdate(now).isoformat()}"
    if WorkItem.objects.filter(external_id__startswith=tag).exists():
        return 0
    voice = Process.objects.filter(code="ACME-VOICE").first()
    porting = Process.objects.filter(code="GLOBEX-BO").first()
    admin = User.objects.filter(username="admin").first()
    leader = User.objects.filter(username="tl.north").first() or admin
    if voice is None or admin is None:
        return 0
    batch = _Batch(random.Random(tag), now, tag, voice=voice, admin=admin, leader=leader)  # same batch, same day
    batch.morning_queue()
    batch.with_agents()
    # Globex number porting: a back-office queue that assigns itself (cap 5 per agent).
    if porting is not None:
        for n in range(1, 16):
            batch.make(n, hours_ago=batch.rng.uniform(0.5, 30), kind=WorkType.BACK_OFFICE, process=porting)
        work_settings_update(actor=admin, process=porting, auto_assign=True, max_open_per_agent=5)
    WorkSettings.objects.get_or_create(process=voice)
    return batch.created


class _Batch:
    """One day's demo work items, drawn from one random generator in a fixed order."""

    KINDS = [WorkType.CALLBACK] * 4 + [WorkType.FOLLOW_UP] * 3 + [WorkType.BACK_OFFICE] * 4 + [WorkType.ESCALATION]

    def __init__(self, rng, now, tag, *, voice, admin, leader):
        self.rng, self.now, self.tag = rng, now, tag
        self.voice, self.admin, self.leader = voice, admin, leader
        self.created = 0

    def make(self, number, *, hours_ago, kind=None, due_in=None, priority=None, process=None):
        rng, now = self.rng, self.now
        process = process or self.voice
        kind = kind or rng.choice(self.KINDS)
        received = now - timedelta(hours=hours_ago)
        due = None
        if due_in is not None:
            due = now + timedelta(hours=due_in)
        elif kind == WorkType.CALLBACK:
            # Callbacks are promised for later today.
            due = max(received + timedelta(hours=rng.choice([4, 6, 8])), now + timedelta(hours=rng.uniform(2.5, 9)))
        self.created += 1
        item = work_item_create(
            actor=self.leader if process == self.voice else self.admin,
            process=process,
            external_id=f"{self.tag}-{process.code}-{number:03d}",
            type=kind,
            title=_pick(rng, kind) if process == self.voice else rng.choice(PORTING),
            details="Demo item: see the customer's history before acting.",
            customer_ref=f"C{rng.randint(10000, 99999)}",
            priority=priority
            or rng.choice([Priority.NORMAL] * 5 + [Priority.HIGH] * 2 + [Priority.LOW, Priority.URGENT]),
            received_at=received,
            due_at=due,
            auto_assign=False,
        )
        # It reached the portal when it was received (from the client's systems), not at seeding time.
        WorkItem.objects.filter(pk=item.pk).update(created_at=received)
        WorkItemEvent.objects.filter(work_item=item, kind=EventKind.CREATED).update(at=received)
        item.created_at = received
        return item

    def morning_queue(self) -> None:
        """40 unassigned items that arrived overnight and this morning."""
        rng = self.rng
        for n in range(1, 41):
            hours_ago = rng.uniform(0.2, 14)
            if n <= 3:
                # Already overdue: due 0.3-3 h ago, so received at least half an hour before that.
                late = rng.uniform(0.3, 3)
                self.make(n, hours_ago=rng.uniform(late + 0.5, 14), due_in=-late, priority=Priority.HIGH)
            elif n <= 7:
                self.make(n, hours_ago=hours_ago, due_in=rng.uniform(0.3, 1.8))  # about to breach
            else:
                self.make(n, hours_ago=hours_ago)

    def with_agents(self) -> None:
        """Work already with agents: assigned, in progress, on hold, and finished ones."""
        agents = list(Agent.objects.filter(processes=self.voice, active=True).order_by("code"))
        agent_user = {a.pk: a.user for a in agents}
        for n in range(41, 61):
            item = self.make(n, hours_ago=self.rng.uniform(2, 20))
            agent = agents[(n - 41) % min(len(agents), 8)] if agents else None
            if agent is None:
                continue
            item = work_item_assign(actor=self.leader, item=item, agent=agent)
            actor = agent_user.get(agent.pk) or self.admin
            stage = n % 5
            if stage >= 1:
                item = work_item_transition(actor=actor, item=item, to=Status.IN_PROGRESS)
            if stage == 2:
                item = work_item_transition(actor=actor, item=item, to=Status.ON_HOLD, note="Waiting for the customer")
            if stage >= 3:
                item = work_item_transition(actor=actor, item=item, to=Status.DONE, note="Resolved with the customer")
                _backdate_finished(item, self.rng, self.now)
