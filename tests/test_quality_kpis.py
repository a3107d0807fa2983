"""QA evaluations feed the KPI engine: qa_count / qa_sum per (process, day, agent), the API's
qa_score, the dashboards — and an amended score after a dispute moves them."""

from datetime import date

import pytest

from accounts.models import Role
from quality.services import dispute_open, dispute_resolve, evaluation_create, scorecard_create
from reporting import engine
from reporting.models import DailyKpi
from tests.conftest import api_as
from tests.factories import UserFactory
from tests.quality_fixtures import SECTIONS, full_marks, make_interaction

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)


def _qa(alpha, code):
    response = api_as(alpha.ops).get(
        "/api/v1/kpis/", {code[0]: code[1], "start": "2026-10-01", "end": "2026-10-31", "group_by": "total"}
    )
    (row,) = response.json()["results"]
    return row["qa_score"], row["components"]["qa_count"]


def test_evaluations_feed_qa_score_and_an_amendment_moves_it(alpha):
    card = scorecard_create(actor=alpha.ops, process=alpha.process, name="Voice QA", sections=SECTIONS)
    first = make_interaction(alpha.process, alpha.agent, "q1", DAY)
    second = make_interaction(alpha.process, alpha.agent, "q2", DAY)
    engine.recompute_days(alpha.process, [DAY])
    marks = full_marks(card)
    evaluation_create(actor=alpha.qa, interaction=first, answers=marks)
    weak = dict(marks)
    understood = next(c for c in card.criteria() if c.text == "Understood the need")
    weak[understood.pk] = 0
    evaluation = evaluation_create(actor=alpha.qa, interaction=second, answers=weak)
    assert 0 < evaluation.score < 100
    engine.recompute_marked()
    row = DailyKpi.objects.get(process=alpha.process, local_date=DAY, agent=alpha.agent)
    assert (row.qa_count, row.qa_sum) == (2, pytest.approx(100 + evaluation.score))
    mean = round((100 + evaluation.score) / 2, 2)
    assert _qa(alpha, ("process", alpha.process.code)) == (mean, 2)
    assert _qa(alpha, ("agent", alpha.agent.code)) == (mean, 2)

    reviewer = UserFactory(username="qa_reviewer", role=Role.QA_ANALYST)
    reviewer.assigned_processes.set([alpha.process])
    dispute = dispute_open(actor=alpha.agent_user, evaluation=evaluation, reason="I did understand the need")
    dispute_resolve(actor=reviewer, dispute=dispute, decision="amend", resolution="Agreed", answers=marks)
    engine.recompute_marked()
    # The superseded evaluation no longer counts; the amendment does.
    assert _qa(alpha, ("process", alpha.process.code)) == (100.0, 2)
