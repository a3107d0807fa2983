"""The evaluation list reads in the order of its first column (newest local day first) and the
status badge says "disputed" only while a dispute waits for a reviewer."""

from datetime import date

import pytest
from django.urls import reverse

from quality import services
from tests.quality_fixtures import build, full_marks, make_interaction

pytestmark = pytest.mark.django_db


def test_evaluations_are_listed_newest_local_day_first(client, alpha):
    qa = build(alpha)  # its evaluation is of 2 March 2026
    later = make_interaction(alpha.process, alpha.agent, "later-call", date(2026, 3, 20))
    earlier = make_interaction(alpha.process, alpha.agent, "earlier-call", date(2026, 2, 10))
    for interaction in (later, earlier):  # scored in this order: the earlier day last
        services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(qa.scorecard))
    client.force_login(alpha.qa)
    html = client.get(reverse("quality:evaluation_list")).content.decode()
    assert html.index("later-call") < html.index(qa.interaction.external_id) < html.index("earlier-call")


def test_status_badge_says_disputed_only_while_the_dispute_is_open(client, alpha):
    qa = build(alpha)
    client.force_login(alpha.qa)
    detail = reverse("quality:evaluation_detail", args=[qa.evaluation.pk])
    assert '<span class="badge text-bg-warning">disputed</span>' in client.get(detail).content.decode()
    listed = client.get(reverse("quality:evaluation_list")).content.decode()
    assert '<span class="badge text-bg-warning">disputed</span>' in listed
    services.dispute_resolve(actor=qa.reviewer, dispute=qa.dispute, decision="uphold", resolution="Score stands.")
    for url in (detail, reverse("quality:evaluation_list"), reverse("quality:agent_history", args=[alpha.agent.code])):
        html = client.get(url).content.decode()
        assert "dispute resolved" in html, url
        assert '<span class="badge text-bg-warning">disputed</span>' not in html, url
