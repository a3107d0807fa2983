"""In real headless Chromium: a QA analyst scores an interaction, the agent sees it and disputes."""

from datetime import date

import pytest

from quality.models import Dispute, Evaluation
from tests.quality_fixtures import build, make_interaction
from tests.test_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_scores_an_interaction_and_the_agent_sees_it(page, live_server, alpha, bravo, password, screenshot):
    data = build(alpha)
    interaction = make_interaction(alpha.process, alpha.agent, "browser-call", date(2026, 3, 6))
    _sign_in(page, live_server, "qa_alpha", password)
    page.goto(f"{live_server.url}/quality/evaluate/{interaction.pk}/")
    need = data.scorecard.criteria()[2]
    # The form starts unscored: saving now is held back and names what is unanswered.
    assert page.get_by_test_id("live-score").inner_text() == "— (5 of 5 unanswered)"
    page.get_by_role("button", name="Save evaluation").click()
    summary = page.locator("[data-unanswered-summary]")
    assert "Still unanswered: Greeting and name" in summary.inner_text()
    assert page.locator("tr.qa-unanswered").count() == 5
    assert "/evaluate/" in page.url and not Evaluation.objects.filter(interaction=interaction).exists()
    for criterion in data.scorecard.criteria():
        page.get_by_label(criterion.text, exact=True).select_option(str(criterion.points_possible))
    assert page.locator("tr.qa-unanswered").count() == 0 and summary.is_hidden()
    page.get_by_label("Understood the need").select_option("3")
    assert page.get_by_test_id("live-score").inner_text() == "88.0"
    page.get_by_placeholder("Comment").nth(2).fill("Ask one more probing question")
    screenshot(page, "quality-evaluate")
    page.get_by_role("button", name="Save evaluation").click()
    page.wait_for_url("**/quality/evaluations/*/")
    evaluation = Evaluation.objects.get(interaction=interaction)
    assert evaluation.score == pytest.approx(88.0)
    assert evaluation.answers.get(criterion=need).comment == "Ask one more probing question"

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, "agent_alpha", password)
    page.goto(f"{live_server.url}/quality/")
    assert page.get_by_test_id("awaiting").get_by_text("browser-call").is_visible()
    page.get_by_test_id("awaiting").get_by_text("browser-call").click()
    assert page.get_by_test_id("score").inner_text() == "88.0"
    assert page.get_by_text("Ask one more probing question").is_visible()
    assert "Bravo" not in page.content()
    screenshot(page, "quality-agent-sees-evaluation")
    page.get_by_role("link", name="Dispute").click()
    page.get_by_label("Reason").fill("I asked two probing questions.")
    page.get_by_role("button", name="Dispute evaluation").click()
    page.wait_for_url(f"**/quality/evaluations/{evaluation.pk}/")
    assert Dispute.objects.filter(evaluation=evaluation, status="open").exists()
