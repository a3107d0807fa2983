"""The interaction predicates (processes.predicates) rendered as SQL and as ORM filters select the
same interactions, over every combination of the columns they read that an import can store
(IMPORT_FORMAT.md), edge values included."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from processes import predicates
from processes.models import Interaction
from tests.factories import ClientFactory, ProcessFactory

pytestmark = pytest.mark.django_db

NAMED = {name: value for name, value in vars(predicates).items() if isinstance(value, predicates.Predicate)}


@pytest.fixture
def interactions():
    client = ClientFactory(code="PRED")
    process = ProcessFactory(
        client=client, code="PRED-1", sl_threshold_seconds=20, short_abandon_seconds=5, tat_hours=1
    )
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    rows = []
    grid = itertools.product(
        ("voice", "chat", "email", "backoffice"),
        ("inbound", "outbound"),
        (False, True),  # abandoned
        (None, 4.0, 5.0, 20.0, 3600.0, 3601.0),  # duration_seconds
        (None, 20.0, 20.5),  # wait_seconds (answered when set)
        ("", "C1"),
        (None, 3, 4),  # csat
        (False, True),  # has_repeat
    )
    # IMPORT_FORMAT.md: an abandoned contact has an end and no answer.
    possible = (values for values in grid if not (values[2] and (values[3] is None or values[4] is not None)))
    for n, (channel, direction, abandoned, duration, wait, customer, csat, repeat) in enumerate(possible):
        arrived = start + timedelta(seconds=n)
        rows.append(
            Interaction(
                process=process,
                client=client,
                external_id=f"p{n}",
                channel=channel,
                direction=direction,
                customer_ref=customer,
                arrived_at=arrived,
                answered_at=None if wait is None else arrived + timedelta(seconds=wait),
                ended_at=None if duration is None else arrived + timedelta(seconds=duration),
                abandoned=abandoned,
                csat=csat,
                local_date=arrived.date(),
                arrived_us=int(arrived.timestamp() * 1_000_000),
                wait_seconds=wait,
                duration_seconds=duration,
                has_repeat=repeat,
                # open time by a service calendar, set or not beside every duration
                open_seconds=(None, 3600.0, 3601.0, 0.0)[n % 4] if duration is not None else None,
                imported_at=start,
            )
        )
    Interaction.objects.bulk_create(rows, batch_size=2000)
    return process


def test_the_sql_and_the_orm_filter_of_each_predicate_select_the_same_interactions(interactions):
    total = Interaction.objects.count()
    for name, predicate in sorted(NAMED.items()):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.id FROM processes_interaction i JOIN processes_process p ON p.id = i.process_id"
                f" WHERE {predicate.sql('i', 'p')}"
            )
            by_sql = {pk for (pk,) in cursor.fetchall()}
        by_orm = set(Interaction.objects.filter(predicate.q()).values_list("id", flat=True))
        assert by_sql == by_orm, name
        assert 0 < len(by_sql) < total, name  # the grid has rows on both sides


def test_every_drill_down_outcome_is_a_predicate():
    from dashboards import selectors

    assert set(selectors.OUTCOME_PREDICATES) == set(selectors.OUTCOMES)


def test_tat_within_uses_the_open_time_when_set_else_the_duration(interactions):
    within = set(Interaction.objects.filter(predicates.TAT_WITHIN.q()).values_list("id", flat=True))
    items = Interaction.objects.filter(predicates.TAT_ITEM.q())
    by_open = items.filter(open_seconds__isnull=False)
    assert by_open.filter(open_seconds__lte=3600, duration_seconds__gt=3600).exists()
    assert by_open.filter(open_seconds__gt=3600, duration_seconds__lte=3600).exists()
    for pk, open_seconds, duration in items.values_list("id", "open_seconds", "duration_seconds"):
        elapsed = duration if open_seconds is None else open_seconds
        assert (pk in within) is (elapsed <= 3600), (open_seconds, duration)
