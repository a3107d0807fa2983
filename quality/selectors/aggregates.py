"""The QA aggregates of the quality pages: QA score, accuracy and fatal rate per process and
month, criterion failure rates, an agent's QA page. Open to client users for their own client's
processes, without evaluation detail or agent names; the figures themselves are quality.figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from accounts.scoping import CLIENT, effective_role, scope_q
from processes.models import Channel, Process
from quality import figures
from quality.models import (
    Answer,
    Criterion,
    Evaluation,
    EvaluationStatus,
    Scorecard,
)
from quality.selectors.coaching import coaching_open_for_agent
from quality.selectors.evaluations import dated_between, evaluation_list, evaluation_mean, with_dispute_state


def _aggregate_base(user):
    """Current evaluations whose aggregates `user` may see: the visible rows, or for a client
    user every evaluation of their client's processes (they only ever get aggregates)."""
    if effective_role(user) == CLIENT:
        rows = Evaluation.objects.of(process__in=Process.objects.visible_to(user).values("pk"))
    else:
        rows = Evaluation.objects.filter(scope_q(Evaluation, user))
    return rows.filter(status=EvaluationStatus.FINAL)


def _figures(row) -> dict:
    """The sums of `_SUMS` with the QA figures they give (quality.figures)."""
    count = row["evaluations"] or 0
    return {
        **row,
        "qa_score": figures.mean_score(row["score_sum"], count),
        # Accuracy is a back-office audit figure: over audited back-office items only, so a
        # call's scorecard (which nearly always loses a point somewhere) never reads "0 %".
        "accuracy": figures.accuracy(row["error_free"], row.get("audited") or 0),
        "fatal_rate": figures.fatal_rate(row["fatal"], count),
    }


_SUMS = {
    "evaluations": Count("id"),
    "score_sum": Sum("score"),
    "audited": Count("id", filter=Q(interaction__channel=Channel.BACKOFFICE)),
    "error_free": Count("id", filter=Q(error_free=True, interaction__channel=Channel.BACKOFFICE)),
    "fatal": Count("id", filter=Q(fatal_failed=True)),
}


def qa_summary_by_process(*, user, start=None, end=None) -> list[dict]:
    """Per visible process: evaluations, QA score (mean of current scores, KPIS.md), accuracy
    (% of evaluations without any error), fatal rate (%); None when there are no evaluations."""
    rows = dated_between(_aggregate_base(user), start, end)
    by_process = {r["process_id"]: r for r in rows.values("process_id").annotate(**_SUMS)}
    result = []
    for process in Process.objects.filter(scope_q(Process, user)).select_related("client").order_by("code"):
        row = by_process.get(process.pk, dict.fromkeys(_SUMS, 0))
        result.append({"process": process, **_figures({k: row[k] for k in _SUMS})})
    return result


def accuracy(*, user, process=None, start=None, end=None) -> float | None:
    """Back-office accuracy, %: audited back-office items (current evaluations of interactions of
    channel `backoffice`) without any error ÷ audited back-office items × 100; None when no
    back-office item was audited (calls and chats have a QA score, not an accuracy)."""
    rows = dated_between(_aggregate_base(user), start, end)
    if process is not None:
        rows = rows.filter(process=process)
    totals = rows.aggregate(**_SUMS)
    return _figures(totals)["accuracy"]


def qa_trend(*, user, process=None, agent=None, start=None, end=None) -> list[dict]:
    """Monthly QA score and accuracy (from sums) of the evaluations `user` may aggregate."""
    rows = dated_between(_aggregate_base(user), start, end)
    if process is not None:
        rows = rows.filter(process=process)
    if agent is not None:
        rows = rows.filter(agent=agent)
    months: dict[str, dict] = {}
    for entry in rows.values("local_date").annotate(**_SUMS).order_by("local_date"):
        key = entry["local_date"].strftime("%Y-%m")
        bucket = months.setdefault(key, dict.fromkeys(_SUMS, 0))
        for name in _SUMS:
            bucket[name] += entry[name] or 0
    return [{"month": key, **_figures(bucket)} for key, bucket in months.items()]


def agent_qa_history(*, user, agent, start=None, end=None):
    """An agent's evaluations (all statuses, newest first) as `user` may see them."""
    return dated_between(evaluation_list(user=user).filter(agent=agent), start, end)


@dataclass
class CriterionRate:
    criterion: Criterion
    scorecard: Scorecard
    applicable: int
    failed: int
    not_applicable: int

    @property
    def failure_rate(self) -> float | None:
        return self.failed * 100.0 / self.applicable if self.applicable else None


def criterion_failure_rates(*, user, process, start=None, end=None) -> list[CriterionRate]:
    """Per criterion of the process's scorecards (all versions scored in the range): how often
    it was applicable and failed (lost points) in current evaluations; most failed first."""

    evaluations = dated_between(_aggregate_base(user).filter(process=process), start, end)
    rows = (
        Answer.objects.of(evaluation__in=evaluations.values("pk"))
        .values("criterion_id")
        .annotate(
            applicable=Count("id", filter=Q(points_earned__isnull=False)),
            not_applicable=Count("id", filter=Q(points_earned__isnull=True)),
            failed=Count(
                "id",
                filter=Q(points_earned__isnull=False, points_earned__lt=F("criterion__points_possible")),
            ),
        )
    )
    stats = {r["criterion_id"]: r for r in rows}
    criteria = Criterion.objects.visible_to(user).filter(pk__in=stats).select_related("section__scorecard")
    result = [
        CriterionRate(
            criterion=c,
            scorecard=c.section.scorecard,
            applicable=stats[c.pk]["applicable"],
            failed=stats[c.pk]["failed"],
            not_applicable=stats[c.pk]["not_applicable"],
        )
        for c in criteria
    ]
    result.sort(key=lambda r: (-(r.failure_rate or 0), -r.failed, r.criterion.text))
    return result


@dataclass
class AgentQuality:
    """An agent's QA page: their evaluations (every status, newest first, at most 100), monthly
    trend, the QA score and number of their current evaluations, open coaching."""

    evaluations: QuerySet
    trend: list[dict]
    mean: float | None
    count: int
    coaching: QuerySet


def agent_quality(*, user, agent) -> AgentQuality:
    history = agent_qa_history(user=user, agent=agent)
    current = history.filter(status=EvaluationStatus.FINAL)
    return AgentQuality(
        evaluations=with_dispute_state(history)[:100],
        trend=qa_trend(user=user, agent=agent),
        mean=evaluation_mean(current),
        count=current.count(),
        coaching=coaching_open_for_agent(agent, user),
    )
