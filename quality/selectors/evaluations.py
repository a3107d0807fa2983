"""Scoped reads of evaluations, disputes, scorecards and the week's sample, and what the
evaluation, evaluate, dispute and scorecard pages show. Evaluation rows follow
`Evaluation.visible_to(user)` (QA analysts: their processes; team leaders: their agents; agents:
their own; client users: none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from accounts.scoping import AGENT, effective_role, scope_q
from agents.models import Agent
from processes.models import Interaction, Process
from quality import figures
from quality.models import (
    AgentResponse,
    CoachingAction,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    Notification,
    SampleItem,
    Scorecard,
)


def evaluation_list(*, user):
    """The evaluations `user` may see (every status), newest first."""
    return (
        Evaluation.objects.filter(scope_q(Evaluation, user))
        .select_related("process", "agent", "agent__team", "evaluator", "scorecard", "interaction")
        .order_by("-created_at", "-id")
    )


def evaluation_get(*, user, pk: int) -> Evaluation:
    return evaluation_list(user=user).get(pk=pk)


def evaluation_history(evaluation: Evaluation) -> list[Evaluation]:
    """The chain of versions of an evaluation, oldest first (amendments supersede)."""
    first = evaluation
    while first.supersedes_id:
        first = first.supersedes
    chain = [first]
    while True:
        nxt = Evaluation.objects.of(supersedes=chain[-1]).first()
        if nxt is None:
            return chain
        chain.append(nxt)


def dated_between(rows, start, end):
    """`rows` (of a model with `local_date`) on local days `start`..`end`, inclusive; an empty end
    is open."""
    if start:
        rows = rows.filter(local_date__gte=start)
    if end:
        rows = rows.filter(local_date__lte=end)
    return rows


def with_dispute_state(rows):
    """`rows` (evaluations) each annotated with `dispute_open`: the status badge says "disputed"
    only while a dispute waits for a reviewer (an upheld or amended one keeps agent_response
    "disputed")."""
    return rows.annotate(
        dispute_open=Exists(Dispute.objects.filter(evaluation=OuterRef("pk"), status=DisputeStatus.OPEN))
    )


def notification_list(*, user, unread_only: bool = False):
    """`user`'s own notifications, newest first (everyone sees only their own)."""
    rows = Notification.objects.filter(scope_q(Notification, user))
    return rows.filter(read_at__isnull=True) if unread_only else rows


def evaluation_awaiting_list(*, user):
    """The current evaluations `user` may see that still wait for the agent's response (for an
    agent: their own), newest first."""
    return evaluation_list(user=user).filter(status=EvaluationStatus.FINAL, agent_response=AgentResponse.PENDING)


@dataclass
class EvaluationListing:
    """The evaluation list page: the filtered rows (newest local day first, with
    `dispute_open`), the QA score of the current ones among them, and the filter choices."""

    rows: QuerySet
    mean: float | None
    total: int
    processes: QuerySet
    agents: QuerySet | list


def evaluation_listing(
    *,
    user,
    process: str = "",
    agent: str = "",
    evaluator: str = "",
    status: str = "",
    response: str = "",
    start: date | None = None,
    end: date | None = None,
    fatal_only: bool = False,
    q: str = "",
) -> EvaluationListing:
    """The evaluations `user` may see, filtered: `process`/`agent` codes, `evaluator` username,
    `status` (a status value; empty = current (`final`) only; anything else = every status),
    `response` (the agent's), local days `start`..`end` (inclusive), `fatal_only`, and `q` within
    the interaction's external id. Agents get no agent choice (they see only themselves)."""
    rows = evaluation_list(user=user)
    if process:
        rows = rows.filter(process__code=process)
    if agent:
        rows = rows.filter(agent__code=agent)
    if evaluator:
        rows = rows.filter(evaluator__username=evaluator)
    if status in EvaluationStatus.values:
        rows = rows.filter(status=status)
    elif not status:
        rows = rows.filter(status=EvaluationStatus.FINAL)
    if response:
        rows = rows.filter(agent_response=response)
    rows = dated_between(rows, start, end)
    if fatal_only:
        rows = rows.filter(fatal_failed=True)
    if q:
        rows = rows.filter(interaction__external_id__icontains=q)
    # Newest local day first, as the first column reads (not in the order they were scored).
    rows = with_dispute_state(rows.order_by("-local_date", "-created_at", "-id"))
    return EvaluationListing(
        rows=rows,
        mean=evaluation_mean(rows.filter(status=EvaluationStatus.FINAL)),
        total=rows.count(),
        processes=evaluation_processes(user=user),
        agents=Agent.objects.filter(scope_q(Agent, user)).order_by("code") if effective_role(user) != AGENT else [],
    )


@dataclass
class EvaluationPage:
    """One evaluation as its page shows it: answers, history, disputes, coaching."""

    evaluation: Evaluation
    answers: QuerySet
    events: QuerySet
    disputes: QuerySet
    versions: list[Evaluation]
    open_dispute: Dispute | None
    coaching: QuerySet
    is_own: bool  # the viewer is the evaluated agent
    awaits_response: bool  # ... and it is current and still waits for their acknowledgement or dispute


def evaluation_page(*, user, evaluation: Evaluation) -> EvaluationPage:
    """What the evaluation page shows of `evaluation` (already looked up in `user`'s scope);
    sets `evaluation.dispute_open` for the status badge."""
    is_own = evaluation.agent.user_id == user.pk
    page = EvaluationPage(
        evaluation=evaluation,
        answers=evaluation_answers(evaluation),
        events=evaluation.events.select_related("actor"),
        disputes=evaluation.disputes.select_related("raised_by", "reviewer"),
        versions=evaluation_history(evaluation),
        open_dispute=evaluation.disputes.filter(status=DisputeStatus.OPEN).first(),
        coaching=evaluation.coaching_actions.filter(scope_q(CoachingAction, user)),
        is_own=is_own,
        awaits_response=is_own
        and evaluation.status == EvaluationStatus.FINAL
        and evaluation.agent_response == AgentResponse.PENDING,
    )
    evaluation.dispute_open = page.open_dispute is not None
    return page


def evaluation_current_for(interaction) -> Evaluation | None:
    """The interaction's current (`final`) evaluation, if it has one (at most one: a constraint)."""
    return Evaluation.objects.of(interaction=interaction).filter(status=EvaluationStatus.FINAL).first()


def evaluation_find(*, user, pk) -> Evaluation | None:
    """The evaluation with id `pk` (any text: None unless it is all digits) if `user` may see it."""
    if not pk or not str(pk).isdigit():
        return None
    return Evaluation.objects.filter(scope_q(Evaluation, user), pk=pk).first()


def evaluation_answers(evaluation: Evaluation):
    """The answers of `evaluation` in scorecard order, with their criteria and sections."""
    return evaluation.answers.select_related("criterion__section")


def evaluation_processes(*, user):
    """The processes `user` may see, by code (the pickers of the quality pages)."""
    return Process.objects.filter(scope_q(Process, user)).order_by("code")


def evaluation_process_pick(*, user, code: str = ""):
    """(the processes `user` may see, the one chosen): the process of that code, else the first."""
    processes = evaluation_processes(user=user)
    chosen = processes.filter(code=code).first() if code else None
    return processes, chosen or processes.first()


def evaluation_agents(*, user, process):
    """The agents of `process` that `user` may see, by code (the evaluate page's agent filter)."""
    return Agent.objects.filter(scope_q(Agent, user), processes=process).order_by("code")


def interaction_list(*, user):
    """The interactions `user` may see, with process and agent (the ones a QA analyst may score)."""
    return Interaction.objects.filter(scope_q(Interaction, user)).select_related("process", "agent")


def interaction_find(*, user, process, external_id: str):
    """The interaction of `process` with `external_id` inside `user`'s scope, or None."""
    return Interaction.objects.filter(scope_q(Interaction, user), process=process, external_id=external_id).first()


def interaction_search(*, user, process, agent: str = "", day: date | None = None, q: str = "") -> list:
    """Up to 50 answered interactions of `process` with an agent, newest first, filtered by agent
    code, local `day` and `q` within the external id; each with `evaluated` (it has a current
    evaluation). The "search" half of the evaluate page."""
    rows = Interaction.objects.filter(
        scope_q(Interaction, user), process=process, agent__isnull=False, answered_at__isnull=False
    ).select_related("agent")
    if agent:
        rows = rows.filter(agent__code=agent)
    if day is not None:
        rows = rows.filter(local_date=day)
    if q:
        rows = rows.filter(external_id__icontains=q)
    results = list(rows.order_by("-arrived_at")[:50])
    evaluated = _evaluated_ids(results)
    for row in results:
        row.evaluated = row.pk in evaluated
    return results


def _evaluated_ids(interactions) -> set[int]:
    """Which of the interactions (loaded in scope) have a current evaluation: their ids."""
    return set(
        Evaluation.objects.of(interaction__in=interactions)
        .filter(status=EvaluationStatus.FINAL)
        .values_list("interaction_id", flat=True)
    )


def open_disputes_for_reviewer(*, user):
    """Open disputes `user` can see and may resolve (not of evaluations they scored)."""
    return (
        Dispute.objects.filter(scope_q(Dispute, user), status=DisputeStatus.OPEN)
        .exclude(evaluation__evaluator=user)
        .select_related("evaluation__agent", "evaluation__process", "raised_by")
        .order_by("raised_at")
    )


def dispute_list(*, user, status: str = ""):
    """The disputes `user` may see, newest first; of one status when `status` is one."""
    rows = (
        Dispute.objects.filter(scope_q(Dispute, user))
        .select_related(
            "evaluation__agent",
            "evaluation__process",
            "evaluation__evaluator",
            "evaluation__scorecard",
            "raised_by",
            "reviewer",
        )
        .order_by("-raised_at")
    )
    return rows.filter(status=status) if status in DisputeStatus.values else rows


def dispute_answers(dispute: Dispute) -> dict:
    """{criterion id: (points earned or None, comment)} of the disputed evaluation, to prefill
    the re-scoring form."""
    return {a.criterion_id: (a.points_earned, a.comment) for a in dispute.evaluation.answers.all()}


def scorecard_list(*, user, current_only: bool = False):
    """The scorecards `user` may see (every version, or the current ones), with how many
    evaluations each version scored."""
    rows = (
        Scorecard.objects.filter(scope_q(Scorecard, user))
        .select_related("process", "created_by")
        .annotate(evaluation_count=Count("evaluations"))
        .order_by("process__code", "name", "-version")
    )
    return rows.filter(is_current=True) if current_only else rows


@dataclass
class ScorecardPage:
    versions: QuerySet  # every version of its lineage, newest first
    evaluation_count: int  # evaluations scored on this version


def scorecard_page(scorecard: Scorecard) -> ScorecardPage:
    """The versions of `scorecard` (looked up in the caller's scope) and how often it was used."""
    return ScorecardPage(
        versions=scorecard.process.scorecards.filter(lineage=scorecard.lineage).order_by("-version"),
        evaluation_count=scorecard.evaluations.count(),
    )


def sample_for_week(*, user, process, week_start: date):
    """The week's sampled interactions of `process` visible to `user`, with whether each has a
    current evaluation (`evaluated`)."""
    week_start = week_start - timedelta(days=week_start.weekday())
    items = list(
        SampleItem.objects.filter(scope_q(SampleItem, user), process=process, week_start=week_start)
        .select_related("agent", "interaction")
        .order_by("agent__code", "interaction__arrived_at")
    )
    evaluated = _evaluated_ids([i.interaction for i in items])
    for item in items:
        item.evaluated = item.interaction_id in evaluated
    return items


def evaluation_mean(rows) -> float | None:
    """The QA score of `rows` (evaluations; the caller picks the current ones), 0..100: their mean
    score (quality.figures.mean_score); None when there are none."""
    sums = rows.aggregate(score_sum=Sum("score"), evaluations=Count("id"))
    return figures.mean_score(sums["score_sum"], sums["evaluations"])
