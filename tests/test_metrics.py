"""The metric registry (bpo_portal.metrics) and the one reader of DailyKpi (reporting.selectors.
kpi_sums): every figure declared once and computed by one function, every SLA metric in the
registry, and kpi_sums giving the ORM's own sums whatever the grouping."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Max, Sum

from bpo_portal import metrics, units
from processes.models import Metric
from reporting import kpis
from reporting.models import DailyKpi
from reporting.selectors import kpi_sums
from tests.factories import AgentFactory, ProcessFactory, TeamFactory


def test_every_figure_has_one_function_and_every_count_is_a_component():
    assert set(kpis.FIGURES) == set(metrics.FIGURE_KEYS)
    assert set(metrics.COUNTS) <= set(kpis.COMPONENTS)
    assert set(metrics.METRICS) == set(metrics.FIGURE_KEYS) | set(metrics.COUNTS)
    assert sorted(metrics.READING_ORDER) == sorted(metrics.FIGURE_KEYS)


def test_every_sla_metric_is_a_registry_figure_with_a_unit_and_words():
    for value, _ in Metric.choices:
        definition = metrics.metric(value)
        assert not definition.is_count
        assert definition.unit in units.DIGITS
        assert definition.words(None)


def test_a_figure_reads_na_with_the_reason_of_its_channels():
    assert metrics.metric("service_level").not_applicable.startswith("A queue figure")
    assert metrics.metric("received").not_applicable == "Back-office items only"
    assert metrics.metric("tat_compliance").not_applicable.startswith("Turnaround applies")
    assert metrics.applies("service_level", ["voice"]) and not metrics.applies("service_level", ["backoffice"])
    assert metrics.applies("not-a-metric", ["voice"])  # a name outside the registry always applies


@pytest.fixture
def stored(alpha):
    """Component rows of two processes, two agents and teams over ten days, random values."""
    rng = random.Random(15)
    team2 = TeamFactory(code="T-ALPHA-2")
    agents = [alpha.agent, AgentFactory(code="A0002", team=team2, processes=[alpha.process])]
    other = ProcessFactory(client=alpha.client, code="ALPHA-BO", channel="backoffice")
    moment = datetime(2025, 10, 20, 8, 0, tzinfo=UTC)
    for process in (alpha.process, other):
        for offset in range(10):
            for agent in agents:
                DailyKpi.objects.create(
                    process=process,
                    client=alpha.client,
                    local_date=date(2025, 10, 1) + timedelta(days=offset),
                    agent=agent,
                    team=agent.team,
                    computed_at=moment + timedelta(minutes=rng.randrange(500)),
                    **{name: rng.randrange(40) for name in kpis.COMPONENTS if name not in ("wait_seconds", "qa_sum")},
                    wait_seconds=rng.random() * 900,
                    qa_sum=0.0 if offset % 3 else rng.random() * 100,
                )
    return alpha


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [("process_id",), ("process_id", "local_date"), ("agent_id",), ("team_id", "local_date"), ("agent__code",)],
)
def test_kpi_sums_equal_the_orms_sums(stored, fields):
    rows = DailyKpi.objects.unscoped("test").filter(local_date__range=(date(2025, 10, 2), date(2025, 10, 8)))
    expected = {
        tuple(entry[f] for f in fields): entry
        for entry in rows.values(*fields)
        .annotate(last=Max("computed_at"), **{n: Sum(n) for n in kpis.COMPONENTS})
        .order_by()
    }
    got = kpi_sums(rows, *fields)
    assert len(got) == len(expected) > 0
    for entry in got:
        orm = expected[entry.key]
        assert entry.computed_at == orm["last"]
        assert entry.components == {n: orm[n] or 0 for n in kpis.COMPONENTS}


@pytest.mark.django_db
def test_kpi_sums_total_order_and_empty_selections(stored):
    rows = DailyKpi.objects.unscoped("test")
    (total,) = kpi_sums(rows)
    assert total.key == () and total.components["offered"] == sum(rows.values_list("offered", flat=True))
    days = [entry.key[0] for entry in kpi_sums(rows, "local_date", order_by=("local_date",))]
    assert days == sorted(days) and len(days) == 10
    assert kpi_sums(rows.filter(process_id__in=[]), "process_id") == []
    (nothing,) = kpi_sums(rows.none())
    assert nothing.computed_at is None and set(nothing.components.values()) == {0}
    narrowed = kpi_sums(rows, "process_id", components=("offered", "received"))
    assert all(set(entry.components) == {"offered", "received"} for entry in narrowed)
