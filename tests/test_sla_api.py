"""`GET /api/v1/sla/` (API.md): met / missed / undefined for each comparator on a hand-made month,
service credits with and without the client's cap, parameter errors and tenant scope."""

from decimal import Decimal

import pytest

from processes.models import SLATarget
from tests.conftest import api_as
from tests.kpi_helpers import load, row

pytestmark = pytest.mark.django_db

MONTH = "2025-10"


def october(tenant):
    """October 2025 on the tenant's voice process (Asia/Kolkata for ALPHA): KPIS.md's worked
    example. SL 50 % (2 of 4), AHT 320 s, abandon rate 25 %, FCR 66.67 %, CSAT 50 %."""
    p, a = tenant.process.code, tenant.agent.code
    rows = [
        row("o1", "2025-10-01T09:00:00+05:30", process=p, agent=a, answered_at="2025-10-01T09:00:12+05:30",
            ended_at="2025-10-01T09:05:12+05:30", talk=280, wrap=20, customer="C1", csat=5),
        row("o2", "2025-10-01T09:01:00+05:30", process=p, agent=a, answered_at="2025-10-01T09:01:45+05:30",
            ended_at="2025-10-01T09:08:45+05:30", talk=400, hold=20, customer="C2", csat=3),
        row("o3", "2025-10-01T09:02:00+05:30", process=p, abandoned=True, ended_at="2025-10-01T09:02:03+05:30",
            customer="C3"),
        row("o4", "2025-10-01T09:03:00+05:30", process=p, abandoned=True, ended_at="2025-10-01T09:03:30+05:30",
            customer="C4"),
        row("o5", "2025-10-03T11:00:00+05:30", process=p, agent=a, answered_at="2025-10-03T11:00:08+05:30",
            ended_at="2025-10-03T11:04:08+05:30", talk=240, customer="C1"),
    ]  # fmt: skip
    load(rows)


def targets(tenant):
    SLATarget.objects.filter(process__client=tenant.client).delete()
    voice, chat = tenant.process, tenant.process2
    SLATarget.objects.create(process=voice, metric="service_level", comparator=">=", target=40, credit_percent=2)
    SLATarget.objects.create(process=voice, metric="csat", comparator=">=", target=60, credit_percent=5)
    SLATarget.objects.create(process=voice, metric="abandon_rate", comparator="<=", target=25, credit_percent=1)
    SLATarget.objects.create(process=voice, metric="aht", comparator="<=", target=300, credit_percent=3)
    # The chat process has no contacts: both comparators are undefined, neither met nor missed.
    SLATarget.objects.create(process=chat, metric="service_level", comparator=">=", target=80, credit_percent=4)
    SLATarget.objects.create(process=chat, metric="asa", comparator="<=", target=30, credit_percent=4)


def _results(response):
    assert response.status_code == 200, response.content
    return {(r["process"], r["metric"]): r for r in response.json()["results"]}


def test_met_missed_and_undefined_for_each_comparator(alpha):
    october(alpha)
    targets(alpha)
    results = _results(api_as(alpha.ops).get("/api/v1/sla/", {"client": "ALPHA", "month": MONTH}))
    v, c = alpha.process.code, alpha.process2.code
    expected = {
        (v, "service_level"): (">=", 40.0, 50.0, True),
        (v, "csat"): (">=", 60.0, 50.0, False),
        (v, "abandon_rate"): ("<=", 25.0, 25.0, True),  # exactly on a "<=" target is met
        (v, "aht"): ("<=", 300.0, 320.0, False),
        (c, "service_level"): (">=", 80.0, None, None),
        (c, "asa"): ("<=", 30.0, None, None),
    }
    assert set(results) == set(expected)
    for key, (comparator, target, actual, met) in expected.items():
        result = results[key]
        assert (result["comparator"], result["target"], result["actual"], result["met"]) == (
            comparator,
            target,
            actual,
            met,
        ), key
        assert "projected" not in result and "at_risk" not in result  # a finished month
    assert results[(v, "aht")]["gap"] == -20.0
    assert results[(v, "service_level")]["gap"] == 10.0
    assert results[(v, "csat")]["credit_percent"] == 5.0
    assert results[(c, "service_level")]["status"] == "undefined"


def test_process_parameter_narrows_to_one_process(alpha):
    october(alpha)
    targets(alpha)
    results = _results(api_as(alpha.client_user).get("/api/v1/sla/", {"process": alpha.process.code, "month": MONTH}))
    assert {p for p, _ in results} == {alpha.process.code}
    assert len(results) == 4


def test_credits_without_cap_are_the_sum_of_missed_targets(alpha):
    october(alpha)
    targets(alpha)
    alpha.client.monthly_fee = Decimal("10000.00")
    alpha.client.credit_cap_percent = None
    alpha.client.save()
    body = api_as(alpha.client_user).get("/api/v1/sla/", {"client": "ALPHA", "month": MONTH}).json()
    # csat (5 %) and aht (3 %) missed; undefined targets owe nothing.
    assert body["credits"] == {
        "owed_percent": 8.0,
        "cap_percent": None,
        "credit_percent": 8.0,
        "cap_applied": False,
        "amount": 800.0,
    }


def test_credits_with_cap_are_capped(alpha):
    october(alpha)
    targets(alpha)
    alpha.client.monthly_fee = Decimal("10000.00")
    alpha.client.credit_cap_percent = Decimal("6.00")
    alpha.client.save()
    body = api_as(alpha.ops).get("/api/v1/sla/", {"client": "ALPHA", "month": MONTH}).json()
    assert body["credits"]["owed_percent"] == 8.0
    assert body["credits"]["credit_percent"] == 6.0
    assert body["credits"]["cap_applied"] is True
    assert body["credits"]["amount"] == 600.0


@pytest.mark.parametrize(
    "params,field",
    [
        ({"client": "ALPHA"}, "month"),
        ({"client": "ALPHA", "month": "2025-13"}, "month"),
        ({"client": "ALPHA", "month": "October"}, "month"),
        ({"client": "ALPHA", "process": "ALPHA-VOICE", "month": MONTH}, "process"),
    ],
)
def test_bad_or_missing_parameters_are_400_with_field_messages(alpha, params, field):
    response = api_as(alpha.ops).get("/api/v1/sla/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_other_tenants_client_or_process_is_404(alpha, bravo):
    api = api_as(alpha.client_user)
    assert api.get("/api/v1/sla/", {"client": "BRAVO", "month": MONTH}).status_code == 404
    assert api.get("/api/v1/sla/", {"process": "BRAVO-VOICE", "month": MONTH}).status_code == 404
    assert api.get("/api/v1/sla/", {"client": "NOPE", "month": MONTH}).status_code == 404
    response = api.get("/api/v1/sla/", {"month": MONTH})
    results = _results(response)
    # Each tenant has one target (its voice process's service level, tests/conftest.py): the
    # client user's unscoped list holds exactly ALPHA's, so the check below is not vacuous.
    assert len(response.json()["results"]) == 1, response.json()
    assert set(results) == {(alpha.process.code, "service_level")}
    assert all(p.startswith("ALPHA") for p, _ in results)
    # BRAVO's target exists (its own client user sees it) and is not in ALPHA's list.
    bravo_results = _results(api_as(bravo.client_user).get("/api/v1/sla/", {"month": MONTH}))
    assert set(bravo_results) == {(bravo.process.code, "service_level")}


def test_agents_may_not_read_sla_status(alpha):
    assert api_as(alpha.agent_user).get("/api/v1/sla/", {"month": MONTH}).status_code == 403
    assert api_as(None).get("/api/v1/sla/", {"month": MONTH}).status_code == 401


def test_running_month_has_projection_fields(alpha):
    from sla.compliance import local_today

    today = local_today(alpha.process)
    response = api_as(alpha.ops).get("/api/v1/sla/", {"client": "ALPHA", "month": f"{today:%Y-%m}"})
    (result,) = response.json()["results"]
    assert {"projected", "at_risk", "required_within", "remaining_expected"} <= set(result)
