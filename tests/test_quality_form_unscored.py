"""The QA scoring form starts unscored and refuses to save until every criterion is answered or
marked not applicable: in the portal (page and calibration) and through the API."""

from datetime import date

import pytest
from django.urls import reverse

from quality.forms import ScoringForm
from quality.models import CalibrationEntry, Evaluation
from tests.conftest import api_as
from tests.quality_fixtures import build, make_interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(alpha):
    return build(alpha)


def _criteria(scorecard):
    return {c.text: c for c in scorecard.criteria()}


def test_new_scoring_form_preselects_no_points(alpha, qa):
    form = ScoringForm(criteria=qa.scorecard.criteria())
    for criterion in qa.scorecard.criteria():
        field = form[f"c{criterion.pk}"]
        assert field.value() == ""
        assert field.field.choices[0] == ("", "— score —")
        html = str(field)
        assert '<option value="" selected>— score —</option>' in html
        assert "selected" not in html.split("— score —", 1)[1]


def test_evaluate_page_renders_unscored(client, alpha, qa):
    client.force_login(alpha.qa)
    interaction = make_interaction(alpha.process, alpha.agent, "unscored-1", date(2026, 3, 9))
    page = client.get(reverse("quality:evaluate_interaction", args=[interaction.pk])).content.decode()
    assert page.count('<option value="" selected>— score —</option>') == len(qa.scorecard.criteria())
    assert " selected>2 / 2<" not in page  # no full marks preselected


def test_unscored_evaluation_is_refused_and_nothing_entered_is_lost(client, alpha, qa):
    client.force_login(alpha.qa)
    interaction = make_interaction(alpha.process, alpha.agent, "unscored-2", date(2026, 3, 9))
    by_text = _criteria(qa.scorecard)
    greeting, need, upsell = by_text["Greeting and name"], by_text["Understood the need"], by_text["Offered the upsell"]
    response = client.post(
        reverse("quality:evaluate_interaction", args=[interaction.pk]),
        {
            f"c{greeting.pk}": "1",
            f"note{greeting.pk}": "Name only, no greeting",
            f"c{upsell.pk}": "na",
            f"note{need.pk}": "Asked one question",  # a comment without points
            "comment": "Good call overall",
        },
    )
    assert response.status_code == 200
    assert not Evaluation.objects.filter(interaction=interaction).exists()
    page = response.content.decode()
    # The summary names every unanswered criterion, each row says what is missing.
    assert "Not saved: 3 of 5 criteria still unanswered" in page
    for text in ("Verified identity", "Understood the need", "Summarised next steps"):
        assert f"“{text}”" in page
    assert page.count('data-testid="criterion-error"') == 3
    assert page.count('class="qa-unanswered"') == 3
    assert "choose the points earned, or N/A if it does not apply" not in page  # N/A criterion was answered
    # What was entered is still there.
    assert '<option value="1" selected>1 / 2</option>' in page
    assert '<option value="na" selected>N/A</option>' in page
    assert 'value="Name only, no greeting"' in page
    assert 'value="Asked one question"' in page
    assert "Good call overall" in page


def test_fully_answered_evaluation_saves_its_real_score(client, alpha, qa):
    client.force_login(alpha.qa)
    interaction = make_interaction(alpha.process, alpha.agent, "unscored-3", date(2026, 3, 9))
    data = {f"c{c.pk}": "0" for c in qa.scorecard.criteria()}
    by_text = _criteria(qa.scorecard)
    data[f"c{by_text['Verified identity'].pk}"] = "1"  # not fatal-failed
    data[f"c{by_text['Offered the upsell'].pk}"] = "na"
    response = client.post(reverse("quality:evaluate_interaction", args=[interaction.pk]), data)
    evaluation = Evaluation.objects.get(interaction=interaction)
    assert response.status_code == 302 and response["Location"] == evaluation.get_absolute_url()
    # Opening 20 (greeting 10: 0/2, identity 10: 1/1) earns 10; resolution 60 is need 30 (0/5) and
    # upsell 30 (n/a, out of the denominator); closing 20 earns 0 → 10 of 70 applicable = 14.29.
    assert evaluation.score == pytest.approx(100 * 10 / 70)


def test_calibration_scoring_is_refused_while_unanswered(client, alpha, qa):
    client.force_login(alpha.qa)
    url = qa.calibration.get_absolute_url()
    assert client.get(url).content.decode().count('<option value="" selected>— score —</option>') == 5
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Not saved: 5 of 5 criteria still unanswered" in response.content.decode()
    assert not CalibrationEntry.objects.filter(session=qa.calibration).exists()


def test_api_evaluation_missing_criteria_is_400_naming_each(alpha, qa):
    interaction = make_interaction(alpha.process, alpha.agent, "api-unscored", date(2026, 3, 9))
    by_text = _criteria(qa.scorecard)
    answers = [
        {"criterion": by_text["Greeting and name"].pk, "points_earned": 2},
        {"criterion": by_text["Understood the need"].pk, "points_earned": 4},
        {"criterion": by_text["Offered the upsell"].pk, "points_earned": None},
    ]
    response = api_as(alpha.qa).post(
        "/api/v1/evaluations/", {"interaction": interaction.pk, "answers": answers}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["answers"]
    assert "2 of 5 criteria" in message
    assert f"{by_text['Verified identity'].pk} “Verified identity”" in message
    assert f"{by_text['Summarised next steps'].pk} “Summarised next steps”" in message
    assert "Greeting" not in message
    assert not Evaluation.objects.filter(interaction=interaction).exists()


def test_api_evaluation_with_a_criterion_twice_is_400(alpha, qa):
    interaction = make_interaction(alpha.process, alpha.agent, "api-twice", date(2026, 3, 9))
    answers = [{"criterion": c.pk, "points_earned": c.points_possible} for c in qa.scorecard.criteria()]
    answers.append(dict(answers[0]))
    response = api_as(alpha.qa).post(
        "/api/v1/evaluations/", {"interaction": interaction.pk, "answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert f"more than once: {answers[0]['criterion']}" in str(response.json()["answers"])
