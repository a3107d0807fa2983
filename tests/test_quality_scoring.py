"""The quality score of KPIS.md: weights, not applicable, fatal → 0, versioning; hand-computed."""

from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from quality import scoring, services
from quality.models import Evaluation, Scorecard
from tests.quality_fixtures import SECTIONS, full_marks, make_interaction

pytestmark = pytest.mark.django_db


def spec(key, section, section_weight, points, weight=1, allow_na=False, fatal=False):
    return scoring.CriterionSpec(key, section, Fraction(section_weight), Fraction(weight), points, allow_na, fatal)


# The fixture scorecard: Opening 20 (greeting /2, identity /1 fatal), Resolution 60 (need /5,
# upsell /1 may be N/A), Closing 20 (summary /1). Effective weights: 10, 10, 30, 30, 20.
SPECS = [
    spec("greeting", "opening", 20, 2),
    spec("identity", "opening", 20, 1, fatal=True),
    spec("need", "resolution", 60, 5),
    spec("upsell", "resolution", 60, 1, allow_na=True),
    spec("summary", "closing", 20, 1),
]
FULL = {"greeting": 2, "identity": 1, "need": 5, "upsell": 1, "summary": 1}


def test_full_marks_score_100_and_error_free():
    result = scoring.score(SPECS, FULL)
    assert result.score == 100.0 and result.error_free and not result.fatal_failed


def test_hand_computed_weighted_score():
    # 10·2/2 + 10·1/1 + 30·3/5 + 30·1/1 + 20·1/1 = 88 of 100
    result = scoring.score(SPECS, {**FULL, "need": 3})
    assert result.score == pytest.approx(88.0)
    assert not result.error_free


def test_not_applicable_leaves_the_criterion_out_of_both_sums():
    # (10 + 10 + 30·3/5 + 20) ÷ (10 + 10 + 30 + 20) × 100 = 58 ÷ 70 × 100
    result = scoring.score(SPECS, {**FULL, "need": 3, "upsell": None})
    assert result.score == pytest.approx(58 / 70 * 100)
    assert result.applicable == 4


def test_partial_points_and_not_applicable_together():
    # (10·1/2 + 10 + 30 + 20) ÷ 70 × 100 = 65 ÷ 70 × 100 = 92.857…
    result = scoring.score(SPECS, {**FULL, "greeting": 1, "upsell": None})
    assert result.score == pytest.approx(92.857142857, abs=1e-6)


def test_a_failed_fatal_criterion_sets_the_score_to_zero():
    result = scoring.score(SPECS, {**FULL, "identity": 0})
    assert result.score == 0.0 and result.fatal_failed and not result.error_free


def test_criterion_weights_inside_a_section_split_the_section_weight():
    specs = [spec("a", "s", 50, 1, weight=3), spec("b", "s", 50, 1, weight=1), spec("c", "t", 50, 1)]
    # effective weights 37.5, 12.5, 50; failing b → 87.5
    assert scoring.score(specs, {"a": 1, "b": 0, "c": 1}).score == pytest.approx(87.5)


def test_not_applicable_is_refused_where_not_allowed_and_points_are_bounded():
    with pytest.raises(scoring.ScoringError):
        scoring.score(SPECS, {**FULL, "need": None})
    with pytest.raises(scoring.ScoringError):
        scoring.score(SPECS, {**FULL, "need": 6})
    with pytest.raises(scoring.ScoringError):
        scoring.score(SPECS, {k: v for k, v in FULL.items() if k != "summary"})


def test_all_not_applicable_is_refused():
    specs = [spec("a", "s", 1, 1, allow_na=True)]
    with pytest.raises(scoring.ScoringError):
        scoring.score(specs, {"a": None})


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 100), st.integers(1, 10), st.booleans()), min_size=1, max_size=8
    ),
    st.data(),
)
def test_score_is_between_0_and_100_and_matches_the_formula(criteria, data):
    specs = [spec(n, n % 3, sw, pts, weight=w) for n, (pts, sw, w, _) in enumerate(criteria)]
    answers = {s.key: data.draw(st.integers(0, s.points_possible)) for s in specs}
    result = scoring.score(specs, answers)
    totals = {}
    for s in specs:
        totals[s.section_key] = totals.get(s.section_key, 0) + s.weight
    weights = {s.key: s.section_weight * s.weight / totals[s.section_key] for s in specs}
    expected = sum(weights[s.key] * Fraction(answers[s.key], s.points_possible) for s in specs) / sum(weights.values())
    assert 0 <= result.score <= 100
    assert result.score == pytest.approx(float(expected * 100))


# --- with the models ---------------------------------------------------------------------------------


def test_evaluation_service_scores_exactly_like_the_hand_computation(alpha):
    scorecard = services.scorecard_create(actor=alpha.qa, process=alpha.process, name="Voice", sections=SECTIONS)
    criteria = list(scorecard.criteria())
    answers = full_marks(scorecard)
    answers[criteria[2].pk] = 3  # understood the need: 3 of 5
    answers[criteria[3].pk] = None  # upsell not applicable
    interaction = make_interaction(alpha.process, alpha.agent, "x-1", __import__("datetime").date(2026, 3, 2))
    evaluation = services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=answers)
    assert evaluation.score == pytest.approx(58 / 70 * 100)
    assert evaluation.answers.count() == 5
    assert evaluation.local_date == interaction.local_date and evaluation.agent == alpha.agent


def test_editing_a_scorecard_in_use_creates_a_new_version_and_old_evaluations_keep_theirs(alpha):
    scorecard = services.scorecard_create(actor=alpha.qa, process=alpha.process, name="Voice", sections=SECTIONS)
    # Unused: edited in place.
    same = services.scorecard_update(actor=alpha.qa, scorecard=scorecard, name="Voice v1", sections=SECTIONS)
    assert same.pk == scorecard.pk and same.version == 1
    interaction = make_interaction(alpha.process, alpha.agent, "x-1", __import__("datetime").date(2026, 3, 2))
    evaluation = services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(scorecard))
    changed = [dict(s, criteria=list(s["criteria"])) for s in SECTIONS]
    changed[2] = {"title": "Closing", "weight": 40, "criteria": [{"text": "Summarised", "points_possible": 2}]}
    new = services.scorecard_update(actor=alpha.qa, scorecard=scorecard, name="Voice", sections=changed)
    assert new.pk != scorecard.pk and new.version == 2 and new.lineage == scorecard.lineage
    scorecard.refresh_from_db()
    assert not scorecard.is_current and new.is_current
    evaluation.refresh_from_db()
    assert evaluation.scorecard_id == scorecard.pk
    assert [s.title for s in scorecard.sections.order_by("position")] == ["Opening", "Resolution", "Closing"]
    assert scorecard.sections.get(title="Closing").weight == 20
    assert Scorecard.objects.filter(lineage=scorecard.lineage).count() == 2
    # The old version can no longer be edited, nor used for new evaluations.
    with pytest.raises(ValidationError):
        services.scorecard_update(actor=alpha.qa, scorecard=scorecard, name="x", sections=SECTIONS)
    other = make_interaction(alpha.process, alpha.agent, "x-2", __import__("datetime").date(2026, 3, 3))
    with pytest.raises(ValidationError):
        services.evaluation_create(
            actor=alpha.qa, interaction=other, answers=full_marks(scorecard), scorecard=scorecard
        )
    assert services.evaluation_create(actor=alpha.qa, interaction=other, answers=full_marks(new)).scorecard == new


def test_scorecard_definition_errors_name_section_and_criterion(alpha):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_create(
            actor=alpha.qa,
            process=alpha.process,
            name="Bad",
            sections=[{"title": "Only", "weight": 1, "criteria": [{"text": "", "points_possible": 0}]}],
        )
    assert any("section 1, criterion 1" in m for m in exc.value.message_dict["sections"])
    assert not Scorecard.objects.exists()


def test_an_interaction_is_evaluated_once(alpha):
    scorecard = services.scorecard_create(actor=alpha.qa, process=alpha.process, name="Voice", sections=SECTIONS)
    interaction = make_interaction(alpha.process, alpha.agent, "x-1", __import__("datetime").date(2026, 3, 2))
    services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(scorecard))
    with pytest.raises(ValidationError):
        services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(scorecard))
    assert Evaluation.objects.count() == 1
