"""Quality pages and API: evaluate, dispute, resolve through the portal; scorecard builder with
preview; role scoping of pages (client users: aggregates only, no names)."""

from datetime import date

import pytest
from django.urls import reverse

from quality.forms import definition_text, parse_definition
from quality.models import Dispute, Evaluation, Scorecard
from tests.conftest import api_as
from tests.quality_fixtures import SECTIONS, build, full_marks, make_interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(alpha, bravo):
    data = build(alpha)
    build(bravo)
    return data


def _answers_post(scorecard, overrides=None):
    data = {f"c{c.pk}": str(c.points_possible) for c in scorecard.criteria()}
    data.update(overrides or {})
    return data


def test_analyst_evaluates_in_the_portal_and_the_agent_disputes_and_a_reviewer_amends(client, alpha, qa):
    interaction = make_interaction(alpha.process, alpha.agent, "page-1", date(2026, 3, 4))
    client.force_login(alpha.qa)
    page = client.get(reverse("quality:evaluate_interaction", args=[interaction.pk]))
    assert page.status_code == 200 and "Verified identity" in page.content.decode()
    need = qa.scorecard.criteria()[2]
    response = client.post(
        reverse("quality:evaluate_interaction", args=[interaction.pk]),
        _answers_post(qa.scorecard, {f"c{need.pk}": "3", f"note{need.pk}": "Missed the second question"}),
    )
    evaluation = Evaluation.objects.get(interaction=interaction)
    assert response.status_code == 302 and response["Location"] == evaluation.get_absolute_url()
    assert evaluation.score == pytest.approx(88.0)
    assert evaluation.answers.get(criterion=need).comment == "Missed the second question"

    client.force_login(alpha.agent_user)
    detail = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Missed the second question" in detail and "Dispute" in detail
    client.post(reverse("quality:evaluation_dispute", args=[evaluation.pk]), {"reason": "I did ask twice."})
    dispute = Dispute.objects.get(evaluation=evaluation)

    client.force_login(alpha.qa)  # the evaluator may not resolve
    assert (
        "another reviewer must resolve"
        in client.get(reverse("quality:dispute_resolve", args=[dispute.pk])).content.decode()
    )
    response = client.post(
        reverse("quality:dispute_resolve", args=[dispute.pk]),
        {"decision": "uphold", "resolution": "Mine.", **_answers_post(qa.scorecard)},
    )
    dispute.refresh_from_db()
    assert dispute.status == "open"

    client.force_login(qa.reviewer)
    response = client.post(
        reverse("quality:dispute_resolve", args=[dispute.pk]),
        {"decision": "amend", "resolution": "Confirmed on the recording.", **_answers_post(qa.scorecard)},
    )
    dispute.refresh_from_db()
    assert dispute.status == "amended" and dispute.amended_evaluation.score == 100.0
    assert response["Location"] == dispute.amended_evaluation.get_absolute_url()


def test_agent_acknowledges_from_the_page(client, alpha, qa):
    interaction = make_interaction(alpha.process, alpha.agent, "ack-page", date(2026, 3, 4))
    client.force_login(alpha.qa)
    client.post(reverse("quality:evaluate_interaction", args=[interaction.pk]), _answers_post(qa.scorecard))
    evaluation = Evaluation.objects.get(interaction=interaction)
    client.force_login(alpha.agent_user)
    client.post(reverse("quality:evaluation_acknowledge", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.agent_response == "acknowledged"


def test_scorecard_builder_preview_and_new_version_on_edit(client, alpha, qa):
    client.force_login(alpha.qa)
    text = definition_text(SECTIONS)
    assert parse_definition(text) == parse_definition(definition_text(parse_definition(text)))
    preview = client.post(reverse("quality:scorecard_preview"), {"definition": text}).content.decode()
    assert "Verified identity" in preview and "fatal" in preview
    bad = client.post(reverse("quality:scorecard_preview"), {"definition": "no section\n"}).content.decode()
    assert "start with a section line" in bad
    response = client.post(
        reverse("quality:scorecard_edit", args=[qa.scorecard.pk]),
        {"name": "Voice", "definition": text + "# Compliance | 10\nRead the disclosure | 1 | fatal\n", "active": "on"},
    )
    new = Scorecard.objects.get(lineage=qa.scorecard.lineage, version=2)
    assert response["Location"] == new.get_absolute_url()
    assert new.sections.count() == 4
    page = client.get(new.get_absolute_url()).content.decode()
    assert "Read the disclosure" in page and "v2" in page


def test_pages_for_each_role(client, alpha, qa):
    client.force_login(alpha.qa)
    for name, args in [
        ("quality:home", []),
        ("quality:evaluation_list", []),
        ("quality:evaluate", []),
        ("quality:dispute_list", []),
        ("quality:scorecard_list", []),
        ("quality:calibration_list", []),
        ("quality:calibration_trends", []),
        ("quality:calibration_detail", [qa.calibration.pk]),
        ("quality:agent_history", [alpha.agent.code]),
        ("quality:criterion_rates", [alpha.process.code]),
        ("quality:notifications", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    client.force_login(alpha.team_leader)
    agent_page = client.get(reverse("agents:detail", args=[alpha.agent.code])).content.decode()
    assert qa.coaching.topic in agent_page
    assert client.get(reverse("quality:coaching_edit", args=[qa.coaching.pk])).status_code == 200


def test_client_user_sees_aggregated_qa_without_names_or_detail(client, alpha, qa):
    client.force_login(alpha.client_user)
    period = {"start": "2026-03-01", "end": "2026-03-31"}
    home = client.get(reverse("quality:home"), period).content.decode()
    assert "ALPHA-VOICE" in home and "88.0" in home
    assert alpha.agent.name not in home and "qa_alpha" not in home
    rates = client.get(reverse("quality:criterion_rates", args=[alpha.process.code]), period).content.decode()
    assert "Understood the need" in rates and alpha.agent.name not in rates
    assert client.get(qa.evaluation.get_absolute_url()).status_code == 403
    assert client.get(reverse("quality:agent_history", args=[alpha.agent.code])).status_code == 403
    assert api_as(alpha.client_user).get("/api/v1/evaluations/").status_code == 403


def test_api_create_list_dispute_and_resolve(alpha, bravo, qa):
    interaction = make_interaction(alpha.process, alpha.agent, "api-1", date(2026, 3, 5))
    answers = [{"criterion": pk, "points_earned": pts, "comment": ""} for pk, pts in full_marks(qa.scorecard).items()]
    response = api_as(alpha.qa).post(
        "/api/v1/evaluations/", {"interaction": interaction.pk, "answers": answers}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == 100.0 and body["agent"] == alpha.agent.code and body["local_date"] == "2026-03-05"
    # Out-of-scope interaction: "does not exist".
    other = make_interaction(bravo.process, bravo.agent, "api-b", date(2026, 3, 5))
    response = api_as(alpha.qa).post(
        "/api/v1/evaluations/", {"interaction": other.pk, "answers": answers}, format="json"
    )
    assert response.status_code == 400 and "interaction" in response.json()
    listed = api_as(alpha.agent_user).get("/api/v1/evaluations/").json()
    assert {row["agent"] for row in listed["results"]} == {alpha.agent.code}
    evaluation_id = body["id"]
    response = api_as(alpha.agent_user).post(
        f"/api/v1/evaluations/{evaluation_id}/dispute/", {"reason": "Unfair"}, format="json"
    )
    assert response.status_code == 201
    response = api_as(alpha.qa).post(
        f"/api/v1/evaluations/{evaluation_id}/resolve/", {"decision": "uphold", "resolution": "ok"}, format="json"
    )
    assert response.status_code == 400 and "original evaluator" in str(response.json())
    response = api_as(qa.reviewer).post(
        f"/api/v1/evaluations/{evaluation_id}/resolve/", {"decision": "uphold", "resolution": "ok"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "upheld"


def test_api_scorecard_create_and_detail(alpha, qa):
    response = api_as(alpha.qa).post(
        "/api/v1/scorecards/",
        {"process": alpha.process.code, "name": "API card", "sections": SECTIONS},
        format="json",
    )
    assert response.status_code == 201, response.json()
    detail = api_as(alpha.qa).get(f"/api/v1/scorecards/{response.json()['id']}/").json()
    assert [s["title"] for s in detail["sections"]] == ["Opening", "Resolution", "Closing"]
    assert detail["sections"][0]["criteria"][1]["fatal"] is True
    assert api_as(alpha.agent_user).post("/api/v1/scorecards/", {}, format="json").status_code == 403
