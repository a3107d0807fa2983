"""Work items: transition rules, assignment rules, optimistic locking, automatic assignment
(with a property test over random loads), CSV import and the KPI completion record."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from processes.imports import ImportFailed
from processes.models import Interaction, KpiMark
from tests.factories import AgentFactory, ProcessFactory, WorkItemFactory
from work.imports import import_work_items
from work.models import TRANSITIONS, EventKind, Status, WorkItem, WorkSettings, WorkType
from work.selectors import work_overdue_counts_by_process
from work.services import (
    WorkItemConflict,
    choose_agent,
    work_item_assign,
    work_item_create,
    work_item_transition,
    work_items_auto_assign,
    work_items_bulk_assign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(alpha):
    return work_item_create(actor=alpha.team_leader, process=alpha.process, title="Refund request", auto_assign=False)


# --- status rules -----------------------------------------------------------------------------------


def test_new_item_is_due_after_the_process_turnaround_target(alpha):
    alpha.process.tat_hours = 48
    alpha.process.save()
    received = timezone.now() - timedelta(hours=1)
    item = work_item_create(actor=alpha.ops, process=alpha.process, title="Port number", received_at=received)
    assert item.status == Status.NEW
    assert item.due_at == received + timedelta(hours=48)
    assert item.client == alpha.client
    assert [e.kind for e in item.events.all()] == [EventKind.CREATED]


def test_explicit_due_time_is_kept_and_cannot_precede_receipt(alpha):
    due = timezone.now() + timedelta(hours=3)
    assert work_item_create(actor=alpha.ops, process=alpha.process, title="x", due_at=due).due_at == due
    with pytest.raises(ValidationError):
        work_item_create(actor=alpha.ops, process=alpha.process, title="y", due_at=timezone.now() - timedelta(days=1))


def test_transition_table_is_closed_and_final_states_are_final():
    assert TRANSITIONS[Status.DONE] == frozenset()
    assert TRANSITIONS[Status.CANCELLED] == frozenset()
    assert Status.DONE not in TRANSITIONS[Status.NEW]
    assert Status.DONE not in TRANSITIONS[Status.ASSIGNED]
    assert Status.DONE not in TRANSITIONS[Status.ON_HOLD]
    for targets in TRANSITIONS.values():
        assert targets <= set(Status.values)


def test_agent_walks_an_item_through_start_hold_resume_complete(alpha, item):
    tl, agent_user = alpha.team_leader, alpha.agent_user
    item = work_item_assign(actor=tl, item=item, agent=alpha.agent)
    assert item.status == Status.ASSIGNED
    item = work_item_transition(actor=agent_user, item=item, to=Status.IN_PROGRESS)
    assert item.started_at is not None and item.working_since is not None
    item = work_item_transition(actor=agent_user, item=item, to=Status.ON_HOLD, note="waiting for customer docs")
    item = work_item_transition(actor=agent_user, item=item, to=Status.IN_PROGRESS)
    item = work_item_transition(actor=agent_user, item=item, to=Status.DONE, note="refund issued")
    assert item.status == Status.DONE and item.completed_at is not None
    trail = [(e.kind, e.from_status, e.to_status) for e in item.events.all()]
    assert trail == [
        ("created", "", "new"),
        ("assigned", "new", "assigned"),
        ("status", "assigned", "in_progress"),
        ("status", "in_progress", "on_hold"),
        ("status", "on_hold", "in_progress"),
        ("status", "in_progress", "done"),
    ]


@pytest.mark.parametrize(
    "start,to",
    [
        (Status.NEW, Status.IN_PROGRESS),
        (Status.NEW, Status.DONE),
        (Status.ASSIGNED, Status.DONE),
        (Status.ASSIGNED, Status.ON_HOLD),
        (Status.ON_HOLD, Status.DONE),
    ],
)
def test_disallowed_transitions_are_refused(alpha, item, start, to):
    if start != Status.NEW:
        item = work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    if start == Status.ON_HOLD:
        item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.IN_PROGRESS)
        item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.ON_HOLD, note="wait")
    with pytest.raises(ValidationError):
        work_item_transition(actor=alpha.agent_user, item=item, to=to, note="n")
    item.refresh_from_db()
    assert item.status == start


def test_done_and_cancelled_items_cannot_move_or_be_assigned(alpha, item):
    item = work_item_transition(actor=alpha.team_leader, item=item, to=Status.CANCELLED, note="duplicate")
    for to in (Status.IN_PROGRESS, Status.NEW, Status.CANCELLED):
        with pytest.raises(ValidationError):
            work_item_transition(actor=alpha.team_leader, item=item, to=to, note="n")
    with pytest.raises(ValidationError):
        work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)


def test_only_the_assignee_starts_an_item_and_hold_needs_a_note(alpha, item):
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    with pytest.raises(ValidationError):
        work_item_transition(actor=alpha.team_leader, item=item, to=Status.IN_PROGRESS)
    item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="note"):
        work_item_transition(actor=alpha.agent_user, item=item, to=Status.ON_HOLD, note=" ")


def test_agent_cannot_cancel(alpha, item):
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    with pytest.raises(ValidationError):
        work_item_transition(actor=alpha.agent_user, item=item, to=Status.CANCELLED, note="no")


# --- assignment rules --------------------------------------------------------------------------------


def test_assigning_to_an_agent_not_staffed_on_the_process_is_refused(alpha, bravo, item):
    other = AgentFactory(team=alpha.team, processes=[alpha.process2])
    for agent in (other, bravo.agent):
        with pytest.raises(ValidationError) as raised:
            work_item_assign(actor=alpha.team_leader, item=item, agent=agent)
        assert "not staffed" in str(raised.value)
    item.refresh_from_db()
    assert item.assignee is None and item.status == Status.NEW
    assert item.events.count() == 1


def test_inactive_agent_is_refused(alpha, item):
    agent = AgentFactory(team=alpha.team, processes=[alpha.process], active=False)
    with pytest.raises(ValidationError, match="inactive"):
        work_item_assign(actor=alpha.team_leader, item=item, agent=agent)


def test_reassignment_and_unassignment_are_audited(alpha, item):
    second = AgentFactory(team=alpha.team, processes=[alpha.process])
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=second)
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=None)
    events = list(item.events.all())[1:]
    assert [(e.kind, e.from_agent, e.to_agent) for e in events] == [
        ("assigned", None, alpha.agent),
        ("reassigned", alpha.agent, second),
        ("unassigned", second, None),
    ]
    assert all(e.actor == alpha.team_leader for e in events)
    assert item.status == Status.NEW and item.version == 4


def test_second_assignment_with_a_stale_version_is_refused_with_a_clear_message(alpha, item):
    second = AgentFactory(team=alpha.team, processes=[alpha.process], name="Second Person")
    seen_by_both = item.version
    first_copy = WorkItem.objects.get(pk=item.pk)
    second_copy = WorkItem.objects.get(pk=item.pk)
    work_item_assign(actor=alpha.team_leader, item=first_copy, agent=alpha.agent, expected_version=seen_by_both)
    with pytest.raises(WorkItemConflict) as raised:
        work_item_assign(actor=alpha.ops, item=second_copy, agent=second, expected_version=seen_by_both)
    assert "changed by someone else" in str(raised.value)
    assert alpha.agent.code in str(raised.value)
    item.refresh_from_db()
    assert item.assignee == alpha.agent
    assert item.events.filter(kind__in=["assigned", "reassigned"]).count() == 1


def test_bulk_assign_spreads_evenly_and_reports_conflicts(alpha):
    agents = [alpha.agent] + [AgentFactory(team=alpha.team, processes=[alpha.process]) for _ in range(2)]
    items = [WorkItemFactory(process=alpha.process) for _ in range(10)]
    stale = items[0]
    WorkItem.objects.filter(pk=stale.pk).update(version=5)  # someone else touched it
    result = work_items_bulk_assign(
        actor=alpha.team_leader, items=[(i, i.version) for i in items], agents=agents, spread=True
    )
    assert len(result.assigned) == 9
    assert len(result.failed) == 1 and f"#{stale.pk}" in result.failed[0]
    counts = sorted(WorkItem.objects.filter(assignee=a).count() for a in agents)
    assert counts == [3, 3, 3]


# --- automatic assignment -----------------------------------------------------------------------------


def test_auto_assignment_is_off_until_switched_on(alpha):
    item = work_item_create(actor=alpha.ops, process=alpha.process, title="x")
    assert item.assignee is None


def test_auto_assignment_on_creation_goes_to_least_loaded_staffed_active_agent(alpha, bravo):
    WorkSettings.objects.create(process=alpha.process, auto_assign=True, max_open_per_agent=5)
    busy = alpha.agent
    idle = AgentFactory(team=alpha.team, processes=[alpha.process])
    AgentFactory(team=alpha.team, processes=[alpha.process], active=False)
    AgentFactory(team=alpha.team, processes=[alpha.process2])
    for _ in range(2):
        WorkItemFactory(process=alpha.process, assignee=busy, status=Status.ASSIGNED)
    item = work_item_create(actor=alpha.ops, process=alpha.process, title="auto")
    assert item.assignee == idle
    assert item.events.last().actor is None and item.events.last().note == "automatic assignment"


def test_auto_assignment_respects_the_cap_and_never_crosses_clients(alpha, bravo):
    WorkSettings.objects.create(process=alpha.process, auto_assign=True, max_open_per_agent=2)
    for _ in range(5):
        WorkItemFactory(process=alpha.process)
    assigned = work_items_auto_assign(process=alpha.process)
    assert assigned == 2
    assert WorkItem.objects.filter(assignee=alpha.agent).count() == 2
    assert WorkItem.objects.filter(process=alpha.process, assignee__isnull=True).count() == 3
    assert not WorkItem.objects.filter(assignee=bravo.agent).exists()


def test_auto_assignment_task_sweeps_enabled_processes_only(alpha, bravo):
    from work.tasks import auto_assign_unassigned

    WorkSettings.objects.create(process=alpha.process, auto_assign=True, max_open_per_agent=10)
    WorkItemFactory(process=alpha.process)
    WorkItemFactory(process=bravo.process)
    assert auto_assign_unassigned() == 1
    assert auto_assign_unassigned() == 0
    assert WorkItem.objects.get(process=bravo.process).assignee is None


def test_ties_are_broken_round_robin():
    order = [1, 2, 3]
    loads = dict.fromkeys(order, 0)
    picks, last = [], None
    for _ in range(6):
        last = choose_agent(loads, order, last=last)
        picks.append(last)
    assert picks == [1, 2, 3, 1, 2, 3]
    assert choose_agent({1: 0, 2: 0, 3: 0}, order, last=2) == 3
    assert choose_agent({1: 5, 2: 5}, [1, 2], cap=5) is None


@settings(max_examples=60, deadline=None)
@given(
    loads=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8),
    cap=st.integers(min_value=1, max_value=10),
    items=st.integers(min_value=0, max_value=40),
    last=st.integers(min_value=0, max_value=9),
)
def test_choose_agent_balances_load_and_respects_the_cap(loads, cap, items, last):
    """Property: whatever the starting loads, handing out items one by one never exceeds the
    cap, hands out as many as the free capacity allows, and keeps the agents that received any
    within one of each other (water-filling)."""
    order = list(range(len(loads)))
    current = dict(enumerate(loads))
    received = dict.fromkeys(order, 0)
    previous = last if last < len(order) else None
    for _ in range(items):
        agent = choose_agent(current, order, cap=cap, last=previous)
        if agent is None:
            break
        assert current[agent] < cap
        assert current[agent] == min(current[a] for a in order if current[a] < cap)
        current[agent] += 1
        received[agent] += 1
        previous = agent
    free = sum(max(0, cap - load) for load in loads)
    assert sum(received.values()) == min(items, free)
    for a in order:
        assert current[a] <= max(cap, loads[a])
    got = [current[a] for a in order if received[a]]
    if got:
        below_cap = [current[a] for a in order if current[a] < cap]
        assert max(got) - min(got + below_cap) <= 1


@settings(max_examples=15, deadline=None)
@given(loads=st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=5), cap=st.integers(1, 6))
def test_auto_assign_service_balances_and_caps_over_random_loads(django_db_blocker, loads, cap):
    """The same property through the service and the database (each example rolled back)."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            process = ProcessFactory(channel="backoffice")
            agents = [AgentFactory(processes=[process], code=f"Z{n:03d}") for n in range(len(loads))]
            for agent, load in zip(agents, loads):
                for _ in range(load):
                    WorkItemFactory(process=process, assignee=agent, status=Status.ASSIGNED)
            for _ in range(12):
                WorkItemFactory(process=process)
            WorkSettings.objects.create(process=process, auto_assign=True, max_open_per_agent=cap)
            assigned = work_items_auto_assign(process=process)
            after = [WorkItem.objects.filter(assignee=a, status=Status.ASSIGNED).count() for a in agents]
            free = sum(max(0, cap - load) for load in loads)
            assert assigned == min(12, free)
            for before, now in zip(loads, after):
                assert now <= max(cap, before)
                if now > before:  # received some: nobody below the cap is more than one behind
                    assert all(now - other <= 1 for other in after if other < cap)
            raise Rollback
    except Rollback:
        pass


# --- completion feeds the KPIs ------------------------------------------------------------------------


def test_completing_a_back_office_item_records_an_interaction_through_the_import(alpha, item):
    item = work_item_assign(actor=alpha.team_leader, item=item, agent=alpha.agent)
    item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.IN_PROGRESS)
    WorkItem.objects.filter(pk=item.pk).update(working_since=timezone.now() - timedelta(minutes=7))
    item.refresh_from_db()
    item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.DONE, note="done")
    record = Interaction.objects.get(process=alpha.process, external_id=f"WI-{item.pk}")
    assert record.channel == "backoffice" and record.direction == "inbound"
    assert record.agent == alpha.agent
    assert record.arrived_at == item.received_at
    assert record.ended_at == item.completed_at
    assert 419 <= record.talk_seconds <= 425 and record.talk_seconds == item.handle_seconds
    assert record.answered_at is not None
    assert KpiMark.objects.filter(process=alpha.process).exists() or record.local_date


def test_completing_a_callback_records_no_interaction(alpha):
    item = work_item_create(
        actor=alpha.ops, process=alpha.process, title="Call back", type=WorkType.CALLBACK, assignee=alpha.agent
    )
    item = work_item_transition(actor=alpha.agent_user, item=item, to=Status.IN_PROGRESS)
    work_item_transition(actor=alpha.agent_user, item=item, to=Status.DONE, note="called")
    assert not Interaction.objects.filter(external_id=f"WI-{item.pk}").exists()


# --- CSV import --------------------------------------------------------------------------------------

HEADER = "external_id,process,type,title,priority,received_at,due_at,assignee\n"


def test_csv_import_creates_items_and_is_idempotent(alpha):
    text = HEADER + (
        "X1,ALPHA-VOICE,back_office,Update address,high,2026-10-01T09:00:00+05:30,,A0001\n"
        'X2,ALPHA-VOICE,callback,"Call back, re: bill",,2026-10-01T10:00:00Z,2026-10-01T12:00:00Z,\n'
    )
    report = import_work_items(io.StringIO(text), user=alpha.ops)
    assert (report.created, report.updated) == (2, 0)
    first = WorkItem.objects.get(external_id="X1")
    assert first.assignee == alpha.agent and first.status == Status.ASSIGNED and first.priority == 3
    assert first.due_at - first.received_at == timedelta(hours=alpha.process.tat_hours)
    again = import_work_items(io.StringIO(text), user=alpha.ops)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert WorkItem.objects.count() == 2


def test_csv_import_is_all_or_nothing_with_line_and_column_errors(alpha, bravo):
    text = HEADER + (
        "Y1,ALPHA-VOICE,back_office,Fine row,,2026-10-01T09:00:00Z,,\n"
        "Y2,BRAVO-VOICE,back_office,Other tenant,,2026-10-01T09:00:00Z,,\n"
        "Y3,ALPHA-VOICE,nonsense,,urgentish,2026-10-01T09:00:00,,\n"
        "Y4,ALPHA-VOICE,back_office,Wrong agent,,,,B0001\n"
        "Y1,ALPHA-VOICE,back_office,Duplicate,,,,\n"
    )
    with pytest.raises(ImportFailed) as raised:
        import_work_items(io.StringIO(text), user=alpha.ops)
    lines = raised.value.report.error_lines()
    assert "line 3, column process: no process 'BRAVO-VOICE' that you may import into" in lines
    assert any(line.startswith("line 4, column type:") for line in lines)
    assert any(line.startswith("line 4, column title: required") for line in lines)
    assert any(line.startswith("line 4, column priority:") for line in lines)
    assert any(line.startswith("line 4, column received_at:") and "offset" in line for line in lines)
    assert "line 5, column assignee: agent B0001 is not staffed on process ALPHA-VOICE" in lines
    assert any(line.startswith("line 6, column external_id:") for line in lines)
    assert WorkItem.objects.count() == 0


def test_csv_import_rejects_unknown_columns_and_lists_at_most_100_errors(alpha):
    with pytest.raises(ImportFailed) as raised:
        import_work_items(io.StringIO("process,title,colour\n"), user=alpha.ops)
    assert raised.value.report.error_lines() == [
        "line 1, column colour: unknown column (expected some of: external_id, process, type, title, details, "
        "customer_ref, priority, received_at, due_at, assignee)"
    ]
    text = "process,title\n" + "NOPE,x\n" * 150
    with pytest.raises(ImportFailed) as raised:
        import_work_items(io.StringIO(text), user=alpha.ops)
    lines = raised.value.report.error_lines()
    assert len(lines) == 101 and lines[-1] == "… and 50 more errors"


# --- overdue counts -----------------------------------------------------------------------------------


def test_overdue_counts_by_process_are_scoped(alpha, bravo):
    now = timezone.now()
    WorkItemFactory(process=alpha.process, received_at=now - timedelta(hours=30), due_at=now - timedelta(hours=1))
    WorkItemFactory(process=alpha.process, due_at=now + timedelta(minutes=30))
    WorkItemFactory(process=alpha.process, due_at=now + timedelta(hours=20))
    WorkItemFactory(process=alpha.process, due_at=now - timedelta(hours=1), status=Status.DONE)
    WorkItemFactory(process=bravo.process, received_at=now - timedelta(hours=30), due_at=now - timedelta(hours=1))
    counts = work_overdue_counts_by_process(alpha.team_leader)
    assert list(counts) == ["ALPHA-VOICE"]
    assert counts["ALPHA-VOICE"] | {} == {
        "process": "ALPHA-VOICE",
        "name": "Alpha hotline",
        "open": 3,
        "unassigned": 3,
        "overdue": 1,
        "due_soon": 1,
    }
    assert work_overdue_counts_by_process(alpha.client_user) == {}
    assert work_overdue_counts_by_process(alpha.qa) == {}


@pytest.mark.django_db(transaction=True)
def test_two_threads_assigning_the_same_item_at_once_resolve_to_one_winner(alpha):
    """Two real database sessions race on the same version: exactly one write lands."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs a database that several connections share (PostgreSQL)")
    second = AgentFactory(team=alpha.team, processes=[alpha.process])
    item = WorkItemFactory(process=alpha.process)
    barrier = threading.Barrier(2)
    outcomes = []

    def race(agent, actor):
        try:
            copy = WorkItem.objects.get(pk=item.pk)
            barrier.wait()
            work_item_assign(actor=actor, item=copy, agent=agent, expected_version=copy.version)
            outcomes.append("won")
        except WorkItemConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=race, args=(alpha.agent, alpha.team_leader)),
        threading.Thread(target=race, args=(second, alpha.ops)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    item.refresh_from_db()
    assert item.version == 2 and item.events.count() == 1
