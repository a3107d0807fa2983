"""The quality score of KPIS.md ("Quality score"), in one place.

Score = Σ(weight × points earned ÷ points possible) over applicable criteria
        ÷ Σ(weight of applicable criteria) × 100,
not-applicable criteria left out of both sums; any failed fatal criterion makes the score 0.

A criterion's weight is its share of its section's weight: section weight × criterion weight ÷
Σ(criterion weights of the section). So a section weighs exactly its weight when all its criteria
apply, and the formula above renormalises over what applies. Arithmetic is exact (fractions);
the result is a float in 0..100.

Each answer's share of the two sums is its `Contribution`; `score` adds them up, and the scoring
form renders every option's contribution (`answer_contributions`) so the live score in the
browser (static/js/quality.js) only adds up numbers computed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

NA = None  # the answer "not applicable"


@dataclass(frozen=True)
class CriterionSpec:
    """What scoring needs of a criterion (a model row or a preview's unsaved definition)."""

    key: object
    section_key: object
    section_weight: Fraction
    weight: Fraction
    points_possible: int
    allow_na: bool
    fatal: bool


@dataclass(frozen=True)
class ScoreResult:
    score: float
    fatal_failed: bool
    error_free: bool
    applicable: int


class ScoringError(ValueError):
    """An answer that the scorecard does not allow (message names the criterion key)."""


def specs_for(criteria: Iterable) -> list[CriterionSpec]:
    """CriterionSpecs from Criterion rows (with their sections loaded)."""
    criteria = list(criteria)
    section_totals: dict[object, Fraction] = {}
    for criterion in criteria:
        section_totals[criterion.section_id] = section_totals.get(criterion.section_id, Fraction(0)) + Fraction(
            criterion.weight
        )
    return [
        CriterionSpec(
            key=c.pk,
            section_key=c.section_id,
            section_weight=Fraction(c.section.weight),
            weight=Fraction(c.weight),
            points_possible=c.points_possible,
            allow_na=c.allow_na,
            fatal=c.fatal,
        )
        for c in criteria
    ]


def effective_weight(spec: CriterionSpec, section_total: Fraction) -> Fraction:
    return spec.section_weight * spec.weight / section_total


@dataclass(frozen=True)
class Contribution:
    """What one answer adds to the two sums of the score: `earned` = effective weight × points
    earned ÷ points possible × 100, `weight` = the criterion's effective weight (both 0 for "not
    applicable"); `fails_fatal` when it earns less than the points possible of a fatal criterion.
    The score is Σ earned ÷ Σ weight over the answers, 0 when one fails a fatal criterion."""

    earned: Fraction
    weight: Fraction
    fails_fatal: bool


NOT_APPLICABLE = Contribution(earned=Fraction(0), weight=Fraction(0), fails_fatal=False)


def _section_totals(specs: list[CriterionSpec]) -> dict[object, Fraction]:
    totals: dict[object, Fraction] = {}
    for spec in specs:
        totals[spec.section_key] = totals.get(spec.section_key, Fraction(0)) + spec.weight
    return totals


def contribution(spec: CriterionSpec, section_total: Fraction, points: int | None) -> Contribution:
    """The contribution of answering `points` (None: not applicable) to `spec`, whose section's
    criterion weights add up to `section_total`. The answer is not checked here (`score` does)."""
    if points is NA:
        return NOT_APPLICABLE
    weight = effective_weight(spec, section_total)
    return Contribution(
        earned=weight * Fraction(points, spec.points_possible) * 100,
        weight=weight,
        fails_fatal=spec.fatal and points < spec.points_possible,
    )


def answer_contributions(specs: list[CriterionSpec]) -> dict[object, dict[int | None, Contribution]]:
    """For each criterion (by key), the contribution of every answer it allows: points 0..points
    possible, and None where it may be not applicable. The scoring form carries them on its
    options, so the live score while filling it in only adds up what this module computed."""
    totals = _section_totals(specs)
    table = {}
    for spec in specs:
        answers: list[int | None] = list(range(spec.points_possible + 1)) + ([NA] if spec.allow_na else [])
        table[spec.key] = {points: contribution(spec, totals[spec.section_key], points) for points in answers}
    return table


def score(specs: list[CriterionSpec], answers: Mapping[object, int | None]) -> ScoreResult:
    """Score `answers` ({criterion key: points earned, or None for not applicable}).

    Every criterion must be answered; points are 0..points_possible; None only where the
    criterion allows "not applicable". A fatal criterion fails when it earns less than its
    points possible (then the score is 0). With every criterion not applicable the score is
    undefined, which is refused (an evaluation must score something).
    """
    section_totals = _section_totals(specs)
    earned_sum = Fraction(0)
    weight_sum = Fraction(0)
    fatal_failed = False
    error_free = True
    applicable = 0
    for spec in specs:
        if spec.key not in answers:
            raise ScoringError(f"{spec.key}: answer every criterion.")
        points = answers[spec.key]
        if points is NA:
            if not spec.allow_na:
                raise ScoringError(f"{spec.key}: this criterion cannot be not applicable.")
            continue
        if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= spec.points_possible:
            raise ScoringError(f"{spec.key}: points must be between 0 and {spec.points_possible}.")
        part = contribution(spec, section_totals[spec.section_key], points)
        earned_sum += part.earned
        weight_sum += part.weight
        applicable += 1
        error_free = error_free and points == spec.points_possible
        fatal_failed = fatal_failed or part.fails_fatal
    if weight_sum == 0:
        raise ScoringError("At least one criterion must be applicable.")
    value = 0.0 if fatal_failed else float(earned_sum / weight_sum)
    return ScoreResult(score=value, fatal_failed=fatal_failed, error_free=error_free, applicable=applicable)
