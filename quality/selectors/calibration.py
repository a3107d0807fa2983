"""Calibration sessions: the scoped list, what a session's page shows (blind while open), the
agreement statistics of a closed session and each evaluator's deviation over the months."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from accounts.scoping import scope_q
from quality.models import (
    CalibrationEntry,
    CalibrationSession,
    Criterion,
)


@dataclass
class CriterionAgreement:
    criterion: Criterion
    answers: dict  # evaluator username -> points or None
    reference: object
    agreement: float  # % of evaluators whose answer equals the reference


@dataclass
class EvaluatorDeviation:
    evaluator: object
    score: float
    deviation: float  # score − reference score
    disagreements: int  # criteria answered differently from the reference


@dataclass
class CalibrationStats:
    reference_score: float | None
    reference_is_expert: bool
    criteria: list[CriterionAgreement] = field(default_factory=list)
    evaluators: list[EvaluatorDeviation] = field(default_factory=list)

    @property
    def overall_agreement(self) -> float | None:
        if not self.criteria:
            return None
        return sum(c.agreement for c in self.criteria) / len(self.criteria)


def _consensus(values: list, expert_value=None, has_expert=False):
    """The reference answer: the expert's when there is one, else the most common answer (ties:
    the lowest points, not applicable last — the stricter reading)."""
    if has_expert:
        return expert_value
    counts = Counter(values)
    best = max(counts.values())
    tied = [v for v, n in counts.items() if n == best]
    return sorted(tied, key=lambda v: (v is None, v if v is not None else 0))[0]


def calibration_stats(session: CalibrationSession) -> CalibrationStats:
    """Agreement statistics of a calibration session.

    - Reference: the expert's scoring if the session names an expert who scored it; otherwise
      the consensus: per criterion the most common answer, and for the score the mean of all
      evaluators' scores.
    - Per-criterion agreement, %: evaluators (other than the expert) whose answer equals the
      reference answer ÷ those evaluators × 100.
    - Each evaluator's deviation: their score − the reference score (points on 0..100), and how
      many criteria they answered differently from the reference.
    """
    entries = list(session.entries.select_related("evaluator").prefetch_related("answers"))
    expert_entry = next((e for e in entries if session.expert_id and e.evaluator_id == session.expert_id), None)
    if not entries:
        return CalibrationStats(reference_score=None, reference_is_expert=False)
    answers = {e.pk: {a.criterion_id: a.points_earned for a in e.answers.all()} for e in entries}
    judged = [e for e in entries if e is not expert_entry] or entries
    criteria = list(session.scorecard.criteria())
    stats = CalibrationStats(
        reference_score=expert_entry.score if expert_entry else sum(e.score for e in entries) / len(entries),
        reference_is_expert=expert_entry is not None,
    )
    references = {}
    for criterion in criteria:
        values = [answers[e.pk].get(criterion.pk) for e in entries]
        reference = _consensus(
            values,
            expert_value=answers[expert_entry.pk].get(criterion.pk) if expert_entry else None,
            has_expert=expert_entry is not None,
        )
        references[criterion.pk] = reference
        agreeing = sum(1 for e in judged if answers[e.pk].get(criterion.pk) == reference)
        stats.criteria.append(
            CriterionAgreement(
                criterion=criterion,
                answers={e.evaluator.username: answers[e.pk].get(criterion.pk) for e in entries},
                reference=reference,
                agreement=agreeing * 100.0 / len(judged),
            )
        )
    for entry in entries:
        stats.evaluators.append(
            EvaluatorDeviation(
                evaluator=entry.evaluator,
                score=entry.score,
                deviation=entry.score - stats.reference_score,
                disagreements=sum(1 for c in criteria if answers[entry.pk].get(c.pk) != references[c.pk]),
            )
        )
    return stats


def calibration_list(*, user):
    return (
        CalibrationSession.objects.filter(scope_q(CalibrationSession, user))
        .select_related("process", "scorecard", "expert", "interaction")
        .annotate(entry_count=Count("entries", distinct=True), participant_count=Count("participants", distinct=True))
        .order_by("-created_at")
    )


def evaluator_deviation_trend(*, user, start=None, end=None) -> dict:
    """Per evaluator and month of closed sessions: mean absolute deviation from the reference
    score (points) and the number of sessions. Returns {"months": [...], "evaluators":
    [{"evaluator": user, "by_month": {month: (mean_abs_dev, sessions)}}]}."""
    sessions = calibration_list(user=user).filter(closed_at__isnull=False)
    if start:
        sessions = sessions.filter(closed_at__date__gte=start)
    if end:
        sessions = sessions.filter(closed_at__date__lte=end)
    sums: dict = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    people = {}
    months = set()
    for session in sessions:
        month = session.closed_at.strftime("%Y-%m")
        months.add(month)
        for row in calibration_stats(session).evaluators:
            people[row.evaluator.pk] = row.evaluator
            cell = sums[row.evaluator.pk][month]
            cell[0] += abs(row.deviation)
            cell[1] += 1
    return {
        "months": sorted(months),
        "evaluators": [
            {
                "evaluator": people[pk],
                "by_month": {m: (total / n, n) for m, (total, n) in by_month.items()},
            }
            for pk, by_month in sorted(sums.items(), key=lambda item: people[item[0]].username)
        ],
    }


def evaluator_deviation_table(*, user, start=None, end=None) -> tuple[list[str], list[dict]]:
    """`evaluator_deviation_trend` as a table: the months, and per evaluator one cell per month
    ((mean absolute deviation, sessions) or None where they scored no closed session)."""
    trend = evaluator_deviation_trend(user=user, start=start, end=end)
    rows = [
        {"evaluator": row["evaluator"], "cells": [row["by_month"].get(m) for m in trend["months"]]}
        for row in trend["evaluators"]
    ]
    return trend["months"], rows


@dataclass
class CalibrationPage:
    """A calibration session as `user` sees it: their own entry (if any), whether they take part,
    who has scored. While open nobody sees another's answers (blind); the statistics are for
    closed sessions only (`calibration_stats`)."""

    mine: CalibrationEntry | None
    is_participant: bool
    submitted: QuerySet
    submitted_ids: set
    participants: QuerySet


def calibration_page(*, user, session: CalibrationSession) -> CalibrationPage:
    return CalibrationPage(
        mine=session.entries.filter(evaluator=user).first(),
        is_participant=session.participants.filter(pk=user.pk).exists(),
        submitted=session.entries.select_related("evaluator"),
        submitted_ids=set(session.entries.values_list("evaluator_id", flat=True)),
        participants=session.participants.order_by("username"),
    )
