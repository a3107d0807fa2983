"""Scoped reads of the quality app, and the QA components for the KPI engine.

Evaluation rows follow `Evaluation.visible_to(user)` (QA analysts: their processes; team
leaders: their agents; agents: their own; client users: none). Aggregates (QA score, accuracy,
criterion failure rates) are open to client users for their own client's processes, without
evaluation detail or agent names.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from accounts.scoping import AGENT, CLIENT, effective_role, scope_q
from agents.models import Agent
from processes.models import Channel, Interaction, Process
from quality import figures
from quality.models import (
    AgentResponse,
    CalibrationEntry,
    CalibrationSession,
    CoachingAction,
    CoachingStatus,
    Criterion,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    Notification,
    SampleItem,
    Scorecard,
)
from reporting.kpis import qa_component_sql

# --- the KPI engine's QA components ----------------------------------------------------------------

QA_COMPONENT_COLUMNS = (
    "process_id",
    "client_id",
    "local_date",
    "agent_id",
    "team_id",
    "qa_count",
    "qa_sum",
    "qa_error_free",
)


def qa_components_sql(*, all_processes: bool = False) -> str:
    """SQL (SQLite and PostgreSQL) yielding the QA components per (process, client, local day,
    agent, team) from the current evaluations: one row per group with

    - `qa_count`: number of current evaluations (status `final`: not superseded by an
      amendment, not voided) of interactions of that group,
    - `qa_sum`: the sum of their scores (0..100 each; KPIS.md's QA score = qa_sum ÷ qa_count),
    - `qa_error_free`: how many of them lost no points on any applicable criterion (accuracy =
      qa_error_free ÷ qa_count, the back-office "items without any error" share).

    The key columns come from the evaluated interaction (`processes_interaction`), exactly as the
    engine groups interactions, so every QA group matches an interaction group (LEFT JOIN safe).
    Parameters, named like the engine's: `%(process)s` (omitted when `all_processes`),
    `%(start)s`, `%(end)s` (inclusive local dates).
    """
    # The definition lives with the other KPI definitions (reporting.kpis); only fixed text is
    # spliced in, values travel as parameters.
    where = "i.local_date BETWEEN %(start)s AND %(end)s"
    return qa_component_sql(where if all_processes else f"i.process_id = %(process)s AND {where}")


# --- evaluations -----------------------------------------------------------------------------------


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
        first = Evaluation.objects.get(pk=first.supersedes_id)
    chain = [first]
    while True:
        nxt = Evaluation.objects.filter(supersedes=chain[-1]).first()
        if nxt is None:
            return chain
        chain.append(nxt)


def _aggregate_base(user):
    """Current evaluations whose aggregates `user` may see: the visible rows, or for a client
    user every evaluation of their client's processes (they only ever get aggregates)."""
    if effective_role(user) == CLIENT:
        rows = Evaluation.objects.filter(process__in=Process.objects.filter(scope_q(Process, user)).values("pk"))
    else:
        rows = Evaluation.objects.filter(scope_q(Evaluation, user))
    return rows.filter(status=EvaluationStatus.FINAL)


def _range(rows, start, end):
    if start:
        rows = rows.filter(local_date__gte=start)
    if end:
        rows = rows.filter(local_date__lte=end)
    return rows


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
    rows = _range(_aggregate_base(user), start, end)
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
    rows = _range(_aggregate_base(user), start, end)
    if process is not None:
        rows = rows.filter(process=process)
    totals = rows.aggregate(**_SUMS)
    return _figures(totals)["accuracy"]


def qa_trend(*, user, process=None, agent=None, start=None, end=None) -> list[dict]:
    """Monthly QA score and accuracy (from sums) of the evaluations `user` may aggregate."""
    rows = _range(_aggregate_base(user), start, end)
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
    return _range(evaluation_list(user=user).filter(agent=agent), start, end)


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
    from quality.models import Answer

    evaluations = _range(_aggregate_base(user).filter(process=process), start, end)
    rows = (
        Answer.objects.filter(evaluation__in=evaluations.values("pk"))
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
    criteria = Criterion.objects.filter(pk__in=stats).select_related("section__scorecard")
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


# --- sampling --------------------------------------------------------------------------------------


def sample_for_week(*, user, process, week_start: date):
    """The week's sampled interactions of `process` visible to `user`, with whether each has a
    current evaluation (`evaluated`)."""
    week_start = week_start - timedelta(days=week_start.weekday())
    items = list(
        SampleItem.objects.filter(scope_q(SampleItem, user), process=process, week_start=week_start)
        .select_related("agent", "interaction")
        .order_by("agent__code", "interaction__arrived_at")
    )
    evaluated = set(
        Evaluation.objects.filter(
            interaction_id__in=[i.interaction_id for i in items], status=EvaluationStatus.FINAL
        ).values_list("interaction_id", flat=True)
    )
    for item in items:
        item.evaluated = item.interaction_id in evaluated
    return items


# --- coaching --------------------------------------------------------------------------------------


def coaching_list(*, user, status: str = ""):
    """The coaching actions `user` may see, open ones first; of one status when `status` is one."""
    rows = (
        CoachingAction.objects.filter(scope_q(CoachingAction, user))
        .select_related("agent", "agent__team", "created_by", "evaluation")
        .order_by("status", "due_date", "id")
    )
    return rows.filter(status=status) if status in CoachingStatus.values else rows


def coaching_open_for_agent(agent, user):
    """The open coaching actions of `agent` that `user` may see, soonest due first."""
    return coaching_list(user=user).filter(agent=agent, status=CoachingStatus.OPEN).order_by("due_date", "id")


# --- calibration -----------------------------------------------------------------------------------

NA_LABEL = "N/A"


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


def evaluation_mean(rows) -> float | None:
    """The QA score of `rows` (evaluations; the caller picks the current ones), 0..100: their mean
    score (quality.figures.mean_score); None when there are none."""
    sums = rows.aggregate(score_sum=Sum("score"), evaluations=Count("id"))
    return figures.mean_score(sums["score_sum"], sums["evaluations"])


# --- what the quality pages show -------------------------------------------------------------------
#
# Each page's reads in one call, so the views only parse the request and render. Every read takes
# the caller (`user`) and stays inside their scope.


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
    rows = _range(rows, start, end)
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
    return Evaluation.objects.filter(interaction=interaction, status=EvaluationStatus.FINAL).first()


def evaluation_find(*, user, pk) -> Evaluation | None:
    """The evaluation with id `pk` (any text: None unless it is all digits) if `user` may see it."""
    if not pk or not str(pk).isdigit():
        return None
    return Evaluation.objects.filter(scope_q(Evaluation, user), pk=pk).first()


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
    evaluated = _evaluated_ids([r.pk for r in results])
    for row in results:
        row.evaluated = row.pk in evaluated
    return results


def _evaluated_ids(interaction_ids) -> set[int]:
    """Which of the interactions have a current evaluation."""
    return set(
        Evaluation.objects.filter(interaction_id__in=interaction_ids, status=EvaluationStatus.FINAL).values_list(
            "interaction_id", flat=True
        )
    )


def evaluation_processes(*, user):
    """The processes `user` may see, by code (the pickers of the quality pages)."""
    return Process.objects.filter(scope_q(Process, user)).order_by("code")


def evaluation_process_pick(*, user, code: str = ""):
    """(the processes `user` may see, the one chosen): the process of that code, else the first."""
    processes = evaluation_processes(user=user)
    chosen = processes.filter(code=code).first() if code else None
    return processes, chosen or processes.first()


def evaluation_answers(evaluation: Evaluation):
    """The answers of `evaluation` in scorecard order, with their criteria and sections."""
    return evaluation.answers.select_related("criterion__section")


def evaluation_agents(*, user, process):
    """The agents of `process` that `user` may see, by code (the evaluate page's agent filter)."""
    return Agent.objects.filter(scope_q(Agent, user), processes=process).order_by("code")


def dispute_answers(dispute: Dispute) -> dict:
    """{criterion id: (points earned or None, comment)} of the disputed evaluation, to prefill
    the re-scoring form."""
    return {a.criterion_id: (a.points_earned, a.comment) for a in dispute.evaluation.answers.all()}


@dataclass
class ScorecardPage:
    versions: QuerySet  # every version of its lineage, newest first
    evaluation_count: int  # evaluations scored on this version


def scorecard_page(scorecard: Scorecard) -> ScorecardPage:
    """The versions of `scorecard` (looked up in the caller's scope) and how often it was used."""
    return ScorecardPage(
        versions=Scorecard.objects.filter(lineage=scorecard.lineage).order_by("-version"),
        evaluation_count=Evaluation.objects.filter(scorecard=scorecard).count(),
    )


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
        mine=CalibrationEntry.objects.filter(session=session, evaluator=user).first(),
        is_participant=session.participants.filter(pk=user.pk).exists(),
        submitted=session.entries.select_related("evaluator"),
        submitted_ids=set(session.entries.values_list("evaluator_id", flat=True)),
        participants=session.participants.order_by("username"),
    )


def evaluator_deviation_table(*, user, start=None, end=None) -> tuple[list[str], list[dict]]:
    """`evaluator_deviation_trend` as a table: the months, and per evaluator one cell per month
    ((mean absolute deviation, sessions) or None where they scored no closed session)."""
    trend = evaluator_deviation_trend(user=user, start=start, end=end)
    rows = [
        {"evaluator": row["evaluator"], "cells": [row["by_month"].get(m) for m in trend["months"]]}
        for row in trend["evaluators"]
    ]
    return trend["months"], rows


def coaching_initial(*, user, agent_code: str = "", evaluation_id="", today: date) -> dict:
    """The new coaching form's starting values: due in a week; the agent named by code (if
    visible); from an evaluation (if visible): its agent, and a topic naming its first failed
    criterion."""
    initial = {"due_date": today + timedelta(days=7)}
    agent = Agent.objects.filter(scope_q(Agent, user), code=agent_code).first()
    if agent:
        initial["agent"] = agent
    evaluation = evaluation_find(user=user, pk=evaluation_id)
    if evaluation:
        initial.update(agent=evaluation.agent, evaluation=evaluation.pk)
        answered = evaluation.answers.filter(points_earned__isnull=False).select_related("criterion")
        failed = [a.criterion.text for a in answered if a.failed]
        initial["topic"] = f"QA follow-up: {failed[0]}" if failed else "QA follow-up"
    return initial
