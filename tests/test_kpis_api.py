"""GET /api/v1/kpis/ (API.md): scope, range, grouping, fields, nulls, tenant isolation."""

import pytest

from tests.conftest import api_as
from tests.factories import AgentFactory
from tests.kpi_helpers import load, row
from tests.spec_lists import KPI_FIGURES

pytestmark = pytest.mark.django_db

FIELDS = {*KPI_FIGURES, "computed_at"}


def answered(external_id, arrived, *, process="ALPHA-VOICE", agent="A0001", wait=10, talk=100, customer="", csat=""):
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(arrived)
    return row(
        external_id,
        arrived,
        process=process,
        agent=agent,
        answered_at=(moment + timedelta(seconds=wait)).isoformat(),
        ended_at=(moment + timedelta(seconds=wait + talk)).isoformat(),
        talk=talk,
        customer=customer,
        csat=csat,
    )


@pytest.fixture
def data(alpha, bravo):
    AgentFactory(code="A0002", team=alpha.team, processes=[alpha.process])
    load(
        [
            answered("1", "2026-10-01T10:00:00+05:30", wait=10, csat=5),
            answered("2", "2026-10-01T11:00:00+05:30", agent="A0002", wait=40, csat=2),
            row(
                "3",
                "2026-10-01T12:00:00+05:30",
                process="ALPHA-VOICE",
                abandoned=True,
                ended_at="2026-10-01T12:01:00+05:30",
            ),
            answered("4", "2026-10-02T10:00:00+05:30", wait=5),
            answered("5", "2026-11-03T10:00:00+05:30", wait=5),
            answered("c1", "2026-10-01T10:00:00+05:30", process="ALPHA-CHAT", wait=100),
            answered("b1", "2026-10-01T10:00:00-04:00", process="BRAVO-VOICE", agent="B0001"),
        ]
    )


def get(user, query):
    return api_as(user).get(f"/api/v1/kpis/?{query}")


def test_daily_figures_with_every_field(data, alpha):
    response = get(alpha.ops, "process=ALPHA-VOICE&start=2026-10-01&end=2026-10-31")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["day"] for r in results] == ["2026-10-01", "2026-10-02"]
    day = results[0]
    assert set(day) >= FIELDS
    assert (day["offered"], day["answered"], day["abandoned"], day["handled"]) == (3, 2, 1, 2)
    assert day["service_level"] == 33.33 and day["abandon_rate"] == 33.33
    assert day["asa"] == 25.0 and day["aht"] == 100.0
    assert day["csat"] == 50.0 and day["csat_mean"] == 3.5
    assert day["fcr"] is None and day["qa_score"] is None
    assert day["computed_at"]


@pytest.mark.parametrize(
    "group_by,keys",
    [
        ("week", ["2026-09-28", "2026-11-02"]),
        ("month", ["2026-10", "2026-11"]),
        ("process", ["ALPHA-CHAT", "ALPHA-VOICE"]),
        ("client", ["ALPHA"]),
        ("team", [None, "T-ALPHA"]),
    ],
)
def test_groupings(data, alpha, group_by, keys):
    body = get(alpha.ops, f"client=ALPHA&start=2026-09-01&end=2026-11-30&group_by={group_by}").json()
    assert sorted((r[group_by] or "") for r in body["results"]) == sorted(k or "" for k in keys)


def test_total_and_agent_groupings_add_up(data, alpha):
    total = get(alpha.ops, "process=ALPHA-VOICE&start=2026-10-01&end=2026-11-30&group_by=total").json()["results"]
    assert len(total) == 1 and "day" not in total[0]
    assert total[0]["handled"] == 4 and total[0]["service_level"] == 60.0  # 3 of 5
    by_agent = get(alpha.ops, "process=ALPHA-VOICE&start=2026-10-01&end=2026-11-30&group_by=agent").json()["results"]
    assert {r["agent"]: r["handled"] for r in by_agent} == {"A0001": 3, "A0002": 1, None: 0}
    assert sum(r["offered"] for r in by_agent) == total[0]["offered"]


def test_several_codes_of_one_scope(data, alpha):
    body = get(
        alpha.ops, "process=ALPHA-VOICE&process=ALPHA-CHAT&start=2026-10-01&end=2026-10-01&group_by=total"
    ).json()
    assert body["results"][0]["offered"] == 4


def test_agent_scope(data, alpha):
    body = get(alpha.ops, "agent=A0002&start=2026-10-01&end=2026-10-31&group_by=total").json()
    assert body["results"][0]["handled"] == 1 and body["results"][0]["asa"] == 40.0


def test_empty_range_has_no_rows(data, alpha):
    assert get(alpha.ops, "process=ALPHA-VOICE&start=2025-01-01&end=2025-01-31").json()["results"] == []
    assert get(alpha.ops, "process=ALPHA-VOICE&start=2025-01-01&end=2025-01-31&group_by=total").json()["results"] == []


@pytest.mark.parametrize(
    "query,field",
    [
        ("process=ALPHA-VOICE&client=ALPHA", "scope"),
        ("group_by=hour", "group_by"),
        ("start=2026-13-01&end=2026-10-01", "start"),
        ("start=2026-10-05&end=2026-10-01", "end"),
    ],
)
def test_bad_parameters_are_400(data, alpha, query, field):
    response = get(alpha.ops, query)
    assert response.status_code == 400
    assert field in response.json()


def test_other_tenants_codes_are_404(data, alpha):
    assert get(alpha.ops, "process=BRAVO-VOICE").status_code == 404
    assert get(alpha.client_user, "client=BRAVO").status_code == 404
    assert get(alpha.client_user, "process=NOPE").status_code == 404


def test_unscoped_query_only_sums_what_the_caller_may_see(data, alpha):
    body = get(alpha.client_user, "start=2026-10-01&end=2026-10-01&group_by=process").json()
    assert [r["process"] for r in body["results"]] == ["ALPHA-CHAT", "ALPHA-VOICE"]


def test_client_user_cannot_break_down_by_agent_unless_allowed(data, alpha):
    assert get(alpha.client_user, "client=ALPHA&group_by=agent&start=2026-10-01&end=2026-10-31").status_code == 403
    assert get(alpha.client_user, "agent=A0001&start=2026-10-01&end=2026-10-31").status_code == 403
    alpha.client.show_agent_names = True
    alpha.client.save()
    body = get(alpha.client_user, "client=ALPHA&group_by=agent&start=2026-10-01&end=2026-10-31").json()
    assert {r["agent"] for r in body["results"]} == {"A0001", "A0002", None}


def test_agent_sees_only_their_own_figures(data, alpha):
    body = get(alpha.agent_user, "start=2026-10-01&end=2026-10-31&group_by=agent").json()
    assert [r["agent"] for r in body["results"]] == ["A0001"]
    body = get(alpha.agent_user, "process=ALPHA-VOICE&start=2026-10-01&end=2026-10-31&group_by=total").json()
    assert body["results"][0]["handled"] == 2  # their own, not the process's 3


def test_team_leader_breakdown_lists_only_their_agents(data, alpha):
    other = AgentFactory(code="A0009", processes=[alpha.process])
    load([answered("x9", "2026-10-05T10:00:00+05:30", agent=other.code)])
    body = get(alpha.team_leader, "process=ALPHA-VOICE&start=2026-10-01&end=2026-10-31&group_by=agent").json()
    assert {r["agent"] for r in body["results"]} == {"A0001", "A0002", None}
    total = get(alpha.team_leader, "process=ALPHA-VOICE&start=2026-10-01&end=2026-10-31&group_by=total").json()
    assert total["results"][0]["handled"] == 4  # the process total includes everyone


def test_default_range_is_this_month(data, alpha):
    body = get(alpha.ops, "process=ALPHA-VOICE").json()
    assert body["start"].endswith("-01") and body["group_by"] == "day"
