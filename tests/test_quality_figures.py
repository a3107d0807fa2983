"""The QA figure is defined once (quality.figures): the KPI engine's qa_score and the quality
pages' QA score, accuracy and fatal rate are the same rule, and agree on the same evaluations."""

from datetime import date

import pytest

from quality import figures, selectors
from quality.services import evaluation_create, scorecard_create
from reporting import engine, kpis
from reporting.models import DailyKpi
from tests.quality_fixtures import SECTIONS, full_marks, make_interaction

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)


def test_the_kpi_engine_reads_the_qa_score_of_quality():
    assert kpis.FIGURES["qa_score"] is figures.qa_score
    assert figures.qa_score({"qa_sum": 180.0, "qa_count": 2}) == 90.0
    assert figures.qa_score({"qa_sum": 0, "qa_count": 0}) is None


def test_figures_are_undefined_without_anything_to_divide_by():
    assert figures.mean_score(None, 0) is None
    assert figures.accuracy(0, 0) is None
    assert figures.fatal_rate(0, 0) is None
    assert figures.accuracy(3, 4) == 75.0
    assert figures.fatal_rate(1, 4) == 25.0


def test_the_quality_pages_and_the_kpi_engine_give_the_same_qa_score(alpha):
    card = scorecard_create(actor=alpha.ops, process=alpha.process, name="Voice QA", sections=SECTIONS)
    marks = full_marks(card)
    weak = dict(marks)
    fatal = next(c for c in card.criteria() if c.fatal)
    weak[fatal.pk] = 0
    evaluation_create(
        actor=alpha.qa, interaction=make_interaction(alpha.process, alpha.agent, "f1", DAY), answers=marks
    )
    evaluation_create(actor=alpha.qa, interaction=make_interaction(alpha.process, alpha.agent, "f2", DAY), answers=weak)
    engine.recompute_days(alpha.process, [DAY])
    row = DailyKpi.objects.get(process=alpha.process, local_date=DAY, agent=alpha.agent)
    summary = {r["process"].code: r for r in selectors.qa_summary_by_process(user=alpha.qa, start=DAY, end=DAY)}
    voice = summary[alpha.process.code]
    assert voice["qa_score"] == kpis.qa_score({"qa_sum": row.qa_sum, "qa_count": row.qa_count}) == 50.0
    assert voice["fatal_rate"] == 50.0
    assert selectors.evaluation_mean(selectors.evaluation_list(user=alpha.qa)) == 50.0
