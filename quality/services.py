"""Every write of the quality app: scorecards, evaluations, disputes, samples, calibration,
coaching and notifications. Views and the API call these; nothing else writes quality rows.

Each change to a current evaluation (created, amended, voided) marks its (process, local day)
for KPI recomputation in the same transaction (`processes.ledger`), so the QA score components
(`quality.components.qa_components_sql`) are picked up by the engine.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import has_capability
from accounts.scoping import scope_q
from bpo_portal.services import validated_save
from processes import ledger
from processes.models import Comparator, Metric, SLATarget
from quality import scoring
from quality.models import (
    AgentResponse,
    Answer,
    CalibrationAnswer,
    CalibrationEntry,
    CalibrationSession,
    CoachingAction,
    CoachingStatus,
    Criterion,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    Notification,
    SampleItem,
    SamplePlan,
    Scorecard,
    Section,
)

# --- helpers ---------------------------------------------------------------------------------------


def _require(actor, capability: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied(f"Your role may not do this ({capability}).")


def _require_visible(actor, obj, message="Not found.") -> None:
    model = type(obj)
    if not model.objects.filter(scope_q(model, actor), pk=obj.pk).exists():
        raise ValidationError(message)


def _mark_day(process_id: int, day: date) -> None:
    """Mark (process, day) in the ledger of changed days, and fire its hook (the KPI engine
    queues the recompute once the transaction commits): once per process per transaction, however
    many evaluations it writes."""
    with connection.cursor() as cursor:
        ledger.upsert_marks(cursor, {(process_id, day)}, timezone.now())
    ledger.days_marked([process_id], once_per_transaction=True)


def notify(*, recipients, subject: str, body: str = "", url: str = "") -> list[Notification]:
    """An in-portal notification per recipient, and an email to those with an address (sent
    after commit through Django's email backend). Duplicate or empty recipients are skipped."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    notes = [Notification.objects.create(recipient=u, subject=subject, body=body, url=url) for u in unique.values()]
    addresses = sorted({u.email for u in unique.values() if u.email})
    if addresses:
        text = f"{body}\n\n{url}" if url else body

        def send():
            send_mail(subject, text, None, addresses, fail_silently=True)

        transaction.on_commit(send)
    return notes


def notification_mark_read(*, actor, notification_ids=None) -> int:
    """Mark the actor's notifications read (all unread ones when no ids are given)."""
    rows = actor.notifications.filter(read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    return rows.update(read_at=timezone.now())


# --- scorecards ------------------------------------------------------------------------------------


def _build_sections(scorecard: Scorecard, sections: list[dict]) -> None:
    """Validate the whole definition first, then write it; errors name section and criterion."""
    errors: list[str] = []
    if not sections:
        errors.append("Add at least one section.")
    rows = []
    for s_number, data in enumerate(sections, start=1):
        section = Section(
            scorecard=scorecard,
            title=(data.get("title") or "").strip(),
            weight=Decimal(str(data.get("weight", 1))),
            position=s_number,
        )
        try:
            section.full_clean(exclude=["scorecard"])
        except ValidationError as exc:
            errors.extend(f"section {s_number}: {f}: {m}" for f, ms in exc.message_dict.items() for m in ms)
        criteria = []
        if not data.get("criteria"):
            errors.append(f"section {s_number} ({section.title or 'untitled'}): add at least one criterion.")
        for c_number, cdata in enumerate(data.get("criteria") or [], start=1):
            criterion = Criterion(
                text=(cdata.get("text") or "").strip(),
                guidance=cdata.get("guidance", ""),
                points_possible=cdata.get("points_possible", 1),
                weight=Decimal(str(cdata.get("weight", 1))),
                allow_na=bool(cdata.get("allow_na", False)),
                fatal=bool(cdata.get("fatal", False)),
                position=c_number,
            )
            try:
                criterion.full_clean(exclude=["section"])
            except ValidationError as exc:
                errors.extend(
                    f"section {s_number}, criterion {c_number}: {f}: {m}"
                    for f, ms in exc.message_dict.items()
                    for m in ms
                )
            criteria.append(criterion)
        rows.append((section, criteria))
    if errors:
        raise ValidationError({"sections": errors})
    for section, criteria in rows:
        section.save()
        for criterion in criteria:
            criterion.section = section
        Criterion.objects.bulk_create(criteria)


@transaction.atomic
def scorecard_create(*, actor, process, name: str, sections: list[dict], description: str = "") -> Scorecard:
    """A new scorecard (version 1) for `process`, with its sections and criteria."""
    _require(actor, "quality.manage")
    _require_visible(actor, process, "Unknown process.")
    scorecard = validated_save(
        Scorecard(process=process, name=name, description=description, created_by=actor),
        exclude=["lineage"],
    )
    _build_sections(scorecard, sections)
    return scorecard


def scorecard_in_use(scorecard: Scorecard) -> bool:
    return scorecard.evaluations.exists() or CalibrationSession.objects.of(scorecard=scorecard).exists()


@transaction.atomic
def scorecard_update(
    *, actor, scorecard: Scorecard, name: str, sections: list[dict], description: str = "", active: bool = True
) -> Scorecard:
    """Change a scorecard. Unused, it is edited in place; in use (evaluations or calibration
    sessions refer to it), a new version is created and becomes current, and the old version
    stays unchanged with its evaluations. Only the current version can be edited."""
    _require(actor, "quality.manage")
    _require_visible(actor, scorecard)
    scorecard = Scorecard.objects.of(pk=scorecard).select_for_update().get()
    if not scorecard.is_current:
        raise ValidationError("Only the current version of a scorecard can be edited.")
    if scorecard_in_use(scorecard):
        Scorecard.objects.of(pk=scorecard).update(is_current=False)
        new = Scorecard(
            process=scorecard.process,
            lineage=scorecard.lineage,
            version=scorecard.version + 1,
            name=name,
            description=description,
            active=active,
            created_by=actor,
        )
        validated_save(new, exclude=["lineage"])
        _build_sections(new, sections)
        return new
    scorecard.name, scorecard.description, scorecard.active = name, description, active
    validated_save(scorecard, exclude=["lineage"])
    scorecard.sections.all().delete()
    _build_sections(scorecard, sections)
    return scorecard


def scorecard_definition(scorecard: Scorecard) -> list[dict]:
    """The sections and criteria of a scorecard as the plain structure the services take."""
    return [
        {
            "title": section.title,
            "weight": section.weight,
            "criteria": [
                {
                    "text": c.text,
                    "guidance": c.guidance,
                    "points_possible": c.points_possible,
                    "weight": c.weight,
                    "allow_na": c.allow_na,
                    "fatal": c.fatal,
                }
                for c in section.criteria.order_by("position")
            ],
        }
        for section in scorecard.sections.order_by("position")
    ]


def current_scorecard(process) -> Scorecard | None:
    return process.scorecards.filter(is_current=True, active=True).order_by("-created_at").first()


# --- evaluations -----------------------------------------------------------------------------------


def _score_answers(scorecard: Scorecard, answers: dict) -> tuple[list[Criterion], scoring.ScoreResult]:
    criteria = list(scorecard.criteria())
    known = {c.pk for c in criteria}
    unknown = set(answers) - known
    if unknown:
        raise ValidationError({"answers": f"Criteria not on this scorecard: {sorted(unknown)}."})
    try:
        result = scoring.score(scoring.specs_for(criteria), answers)
    except scoring.ScoringError as exc:
        key, _, message = str(exc).partition(": ")
        text = next((c.text for c in criteria if str(c.pk) == key), None)
        raise ValidationError({"answers": f"{text}: {message}" if text else str(exc)}) from None
    return criteria, result


def _write_answers(evaluation, criteria, answers: dict, comments: dict, model=Answer, parent="evaluation"):
    model.objects.bulk_create(
        model(
            **{parent: evaluation},
            criterion=c,
            points_earned=answers[c.pk],
            comment=(comments or {}).get(c.pk, "").strip(),
        )
        for c in criteria
    )


def _event(evaluation, kind, actor, note="", score=None):
    EvaluationEvent.objects.create(
        evaluation=evaluation, kind=kind, actor=actor, note=note, score=evaluation.score if score is None else score
    )


def _team_leader_of(evaluation):
    agent = evaluation.agent
    return agent.team.leader if agent.team_id else None


def needs_team_leader(evaluation) -> str | None:
    """Why an evaluation concerns the agent's team leader (a fatal error, or a score below the
    process's quality-score target), or None: a routine evaluation is for the agent alone, who
    acknowledges or disputes it; the team leader sees it on the team pages."""

    if evaluation.fatal_failed:
        return "a fatal criterion failed"
    target = (
        SLATarget.objects.of(process=evaluation.process)
        .filter(metric=Metric.QA_SCORE, comparator=Comparator.AT_LEAST)
        .first()
    )
    if target is not None and evaluation.score is not None and evaluation.score < float(target.target):
        return f"below the process's quality target of {float(target.target):g}"
    return None


@transaction.atomic
def evaluation_create(
    *, actor, interaction, answers: dict, comments: dict | None = None, comment: str = "", scorecard=None
) -> Evaluation:
    """Score `interaction` on its process's current scorecard (or the given current version).

    `answers` maps criterion ids to points earned (None = not applicable); `comments` maps
    criterion ids to a comment. Marks the interaction's KPI day and notifies the agent and their
    team leader (portal and email).
    """
    _require(actor, "quality.evaluate")
    _require_visible(actor, interaction, "Unknown interaction.")
    if interaction.agent_id is None:
        raise ValidationError("This interaction has no agent to evaluate.")
    scorecard = scorecard or current_scorecard(interaction.process)
    if scorecard is None:
        raise ValidationError(f"Process {interaction.process.code} has no active scorecard yet.")
    if scorecard.process_id != interaction.process_id or not scorecard.is_current:
        raise ValidationError({"scorecard": "Use the current scorecard of the interaction's process."})
    criteria, result = _score_answers(scorecard, answers)
    evaluation = _scored(scorecard, interaction, result, actor=actor, comment=comment, interaction=interaction)
    try:
        with transaction.atomic():
            validated_save(evaluation)
    except IntegrityError:  # a concurrent evaluation of the same interaction won
        raise ValidationError("This interaction already has an evaluation.") from None
    _write_answers(evaluation, criteria, answers, comments)
    _event(evaluation, EvaluationEvent.Kind.CREATED, actor)
    _mark_day(evaluation.process_id, evaluation.local_date)
    # The agent acknowledges or disputes; the team leader is told only when it needs coaching.
    notify(
        recipients=[evaluation.agent.user],
        subject=f"New QA evaluation for {evaluation.agent.name}: {evaluation.score:.1f}",
        body=f"Interaction {interaction.external_id} of {interaction.process.code} was evaluated"
        f" on {scorecard.name} v{scorecard.version}. Please acknowledge it or dispute it with a reason.",
        url=evaluation.get_absolute_url(),
    )
    reason = needs_team_leader(evaluation)
    if reason:
        notify(
            recipients=[_team_leader_of(evaluation)],
            subject=f"QA evaluation to follow up: {evaluation.agent.name} scored {evaluation.score:.1f}",
            body=f"Interaction {interaction.external_id} of {interaction.process.code} ({reason})."
            " Consider a coaching action.",
            url=evaluation.get_absolute_url(),
        )
    return evaluation


def _lock(evaluation) -> Evaluation:
    return (
        Evaluation.objects.of(pk=evaluation)
        .select_for_update(of=("self",))
        .select_related("agent__team", "agent__user")
        .get()
    )


def _require_own(actor, evaluation):
    if evaluation.agent.user_id != actor.pk:
        raise ValidationError("Only the evaluated agent can acknowledge or dispute an evaluation.")


@transaction.atomic
def evaluation_acknowledge(*, actor, evaluation: Evaluation) -> Evaluation:
    """The evaluated agent acknowledges a current evaluation they have not responded to."""
    _require(actor, "quality.dispute")
    evaluation = _lock(evaluation)
    _require_own(actor, evaluation)
    if evaluation.status != EvaluationStatus.FINAL or evaluation.agent_response != AgentResponse.PENDING:
        raise ValidationError("This evaluation is not waiting for your response.")
    evaluation.agent_response, evaluation.acknowledged_at = AgentResponse.ACKNOWLEDGED, timezone.now()
    evaluation.save(update_fields=["agent_response", "acknowledged_at"])
    _event(evaluation, EvaluationEvent.Kind.ACKNOWLEDGED, actor)
    return evaluation


def reviewers_for(evaluation: Evaluation):
    """Who may resolve a dispute of `evaluation`: QA analysts assigned to its process, other than
    the original evaluator (administrators and operations managers may too)."""

    return evaluation.process.qa_analysts.filter(role=Role.QA_ANALYST, is_active=True).exclude(
        pk=evaluation.evaluator_id
    )


@transaction.atomic
def dispute_open(*, actor, evaluation: Evaluation, reason: str) -> Dispute:
    """The evaluated agent disputes a current evaluation, with a reason; QA reviewers other than
    the evaluator are notified."""
    _require(actor, "quality.dispute")
    evaluation = _lock(evaluation)
    _require_own(actor, evaluation)
    if not reason.strip():
        raise ValidationError({"reason": "Say why you dispute this evaluation."})
    if evaluation.status != EvaluationStatus.FINAL or evaluation.agent_response != AgentResponse.PENDING:
        raise ValidationError("This evaluation can no longer be disputed.")
    dispute = Dispute.objects.create(evaluation=evaluation, raised_by=actor, reason=reason.strip())
    evaluation.agent_response = AgentResponse.DISPUTED
    evaluation.save(update_fields=["agent_response"])
    _event(evaluation, EvaluationEvent.Kind.DISPUTED, actor, note=reason.strip())
    notify(
        recipients=list(reviewers_for(evaluation)),
        subject=f"Dispute to review: evaluation {evaluation.pk} ({evaluation.process.code})",
        body=f"{evaluation.agent.name} disputes a score of {evaluation.score:.1f}: {reason.strip()}",
        url=reverse("quality:dispute_resolve", kwargs={"pk": dispute.pk}),
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    actor,
    dispute: Dispute,
    decision: str,
    resolution: str,
    answers: dict | None = None,
    comments: dict | None = None,
) -> Dispute:
    """A second reviewer (never the original evaluator) upholds the score or amends it.

    Amending scores the same interaction again on the same scorecard version: a new evaluation
    that supersedes the old one (kept, status superseded), and the KPI day is marked.
    """
    _require(actor, "quality.evaluate")
    dispute = Dispute.objects.of(pk=dispute).select_for_update(of=("self",)).select_related("evaluation").get()
    _require_visible(actor, dispute)
    old = _lock(dispute.evaluation)
    if old.evaluator_id == actor.pk:
        raise ValidationError("A dispute must be resolved by someone other than the original evaluator.")
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError("This dispute is already resolved.")
    if not resolution.strip():
        raise ValidationError({"resolution": "Explain the decision to the agent."})
    if decision == "uphold":
        dispute.status = DisputeStatus.UPHELD
        _event(old, EvaluationEvent.Kind.UPHELD, actor, note=resolution.strip())
        result_url, subject = old.get_absolute_url(), f"Dispute upheld: score {old.score:.1f} stands"
    elif decision == "amend":
        if answers is None:
            raise ValidationError({"answers": "Score the interaction again to amend."})
        new = _amend(old, actor=actor, answers=answers, comments=comments, note=resolution.strip())
        dispute.status, dispute.amended_evaluation = DisputeStatus.AMENDED, new
        result_url, subject = (
            new.get_absolute_url(),
            f"Dispute resolved: score amended {old.score:.1f} → {new.score:.1f}",
        )
    else:
        raise ValidationError({"decision": "Choose uphold or amend."})
    dispute.reviewer, dispute.resolution, dispute.resolved_at = actor, resolution.strip(), timezone.now()
    dispute.save()
    notify(
        recipients=[old.agent.user, old.evaluator],
        subject=subject,
        body=resolution.strip(),
        url=result_url,
    )
    return dispute


def _scored(scorecard, keys, result, *, actor, comment: str, **fields) -> Evaluation:
    """An unsaved evaluation on `scorecard` by `actor` with `result`'s score, grouped like the
    evaluated interaction (`keys`: the interaction, or the evaluation it supersedes, gives the
    process, client, agent and local day the KPI engine groups it by)."""
    return Evaluation(
        scorecard=scorecard,
        process_id=keys.process_id,
        client_id=keys.client_id,
        agent_id=keys.agent_id,
        local_date=keys.local_date,
        evaluator=actor,
        score=result.score,
        fatal_failed=result.fatal_failed,
        error_free=result.error_free,
        comment=comment,
        **fields,
    )


def _amend(old: Evaluation, *, actor, answers: dict, comments: dict | None, note: str) -> Evaluation:
    """Score `old`'s interaction again on the same scorecard version: the new evaluation
    supersedes `old` (kept, status superseded), both get an AMENDED event, the KPI day is marked."""
    criteria, result = _score_answers(old.scorecard, answers)
    Evaluation.objects.of(pk=old).update(status=EvaluationStatus.SUPERSEDED)
    new = _scored(
        old.scorecard,
        old,
        result,
        actor=actor,
        comment=old.comment,
        interaction_id=old.interaction_id,
        supersedes=old,
        agent_response=AgentResponse.DISPUTED,
    )
    validated_save(new)
    _write_answers(new, criteria, answers, comments)
    _event(old, EvaluationEvent.Kind.AMENDED, actor, note=note, score=new.score)
    _event(new, EvaluationEvent.Kind.AMENDED, actor, note=note)
    _mark_day(new.process_id, new.local_date)
    return new


@transaction.atomic
def evaluation_void(*, actor, evaluation: Evaluation, reason: str) -> Evaluation:
    """Withdraw a current evaluation (e.g. scored on the wrong interaction); it stops counting
    and its KPI day is marked."""
    _require(actor, "quality.manage")
    _require_visible(actor, evaluation)
    evaluation = _lock(evaluation)
    if evaluation.status != EvaluationStatus.FINAL:
        raise ValidationError("Only a current evaluation can be voided.")
    if evaluation.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise ValidationError("Resolve the open dispute first.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the evaluation is voided."})
    evaluation.status = EvaluationStatus.VOIDED
    evaluation.save(update_fields=["status"])
    _event(evaluation, EvaluationEvent.Kind.VOIDED, actor, note=reason.strip())
    _mark_day(evaluation.process_id, evaluation.local_date)
    return evaluation


# --- sampling --------------------------------------------------------------------------------------


def sample_plan_set(*, actor, process, per_agent_per_week: int) -> SamplePlan:
    _require(actor, "quality.manage")
    _require_visible(actor, process, "Unknown process.")
    plan = SamplePlan.objects.of(process=process).first() or SamplePlan(process=process)
    plan.per_agent_per_week = per_agent_per_week
    return validated_save(plan)


def sample_size(process) -> int:
    plan = SamplePlan.objects.of(process=process).first()
    return plan.per_agent_per_week if plan else SamplePlan._meta.get_field("per_agent_per_week").default


@transaction.atomic
def sample_draw(*, process, week_start: date) -> int:
    """Draw the week's random QA sample of `process`: for each agent who handled interactions in
    the local week starting Monday `week_start`, top their sample up to the plan's size. The
    draw is seeded by (process, week), so it is reproducible, and running it twice adds nothing.
    Returns the number of interactions added."""

    week_start = week_start - timedelta(days=week_start.weekday())
    size = sample_size(process)
    handled = (
        process.interactions.filter(
            local_date__range=(week_start, week_start + timedelta(days=6)),
            agent__isnull=False,
            answered_at__isnull=False,
        )
        .order_by("agent_id", "id")
        .values_list("agent_id", "id")
    )
    by_agent: dict[int, list[int]] = {}
    for agent_id, interaction_id in handled:
        by_agent.setdefault(agent_id, []).append(interaction_id)
    taken: dict[int, set[int]] = {}
    for agent_id, interaction_id in (
        SampleItem.objects.of(process=process).filter(week_start=week_start).values_list("agent_id", "interaction_id")
    ):
        taken.setdefault(agent_id, set()).add(interaction_id)
    rng = random.Random(f"{process.pk}:{week_start.isoformat()}")
    new = []
    for agent_id in sorted(by_agent):
        have = taken.get(agent_id, set())
        missing = size - len(have)
        pool = [i for i in by_agent[agent_id] if i not in have]
        for interaction_id in rng.sample(pool, min(missing, len(pool))) if missing > 0 else []:
            new.append(
                SampleItem(process=process, agent_id=agent_id, week_start=week_start, interaction_id=interaction_id)
            )
    SampleItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- calibration -----------------------------------------------------------------------------------


@transaction.atomic
def calibration_create(*, actor, interaction, title: str, participants, expert=None) -> CalibrationSession:
    """A blind calibration session on `interaction`, scored on its process's current scorecard
    by `participants` (QA analysts, or managers); `expert` (optional) is the reference."""
    _require(actor, "quality.evaluate")
    _require_visible(actor, interaction, "Unknown interaction.")
    scorecard = current_scorecard(interaction.process)
    if scorecard is None:
        raise ValidationError(f"Process {interaction.process.code} has no active scorecard yet.")
    participants = list(participants)
    if expert is not None and expert not in participants:
        participants.append(expert)
    if len(participants) < 2:
        raise ValidationError({"participants": "Calibration needs at least two evaluators."})
    for user in participants:
        if not has_capability(user, "quality.evaluate"):
            raise ValidationError({"participants": f"{user.username} is not an evaluator."})
    session = validated_save(
        CalibrationSession(
            process=interaction.process,
            scorecard=scorecard,
            interaction=interaction,
            title=title,
            expert=expert,
            created_by=actor,
        )
    )
    session.participants.set(participants)
    notify(
        recipients=participants,
        subject=f"Calibration session: {title}",
        body="Score the interaction blind; the results are shown when the session closes.",
        url=session.get_absolute_url(),
    )
    return session


@transaction.atomic
def calibration_submit(*, actor, session: CalibrationSession, answers: dict, comments=None) -> CalibrationEntry:
    """A participant's blind scoring (once, while the session is open)."""
    _require(actor, "quality.evaluate")
    session = CalibrationSession.objects.of(pk=session).select_for_update().get()
    if not session.participants.filter(pk=actor.pk).exists():
        raise ValidationError("You are not a participant of this session.")
    if not session.is_open:
        raise ValidationError("This session is closed.")
    if session.entries.filter(evaluator=actor).exists():
        raise ValidationError("You have already scored this session.")
    criteria, result = _score_answers(session.scorecard, answers)
    entry = CalibrationEntry.objects.create(
        session=session, evaluator=actor, score=result.score, fatal_failed=result.fatal_failed
    )
    _write_answers(entry, criteria, answers, comments, model=CalibrationAnswer, parent="entry")
    return entry


@transaction.atomic
def calibration_close(*, actor, session: CalibrationSession) -> CalibrationSession:
    """Close a session and reveal everyone's scores and the agreement statistics."""
    _require(actor, "quality.evaluate")
    _require_visible(actor, session)
    session = CalibrationSession.objects.of(pk=session).select_for_update().get()
    if not session.is_open:
        raise ValidationError("This session is already closed.")
    if session.entries.count() < 2:
        raise ValidationError("Wait for at least two evaluators to score before closing.")
    session.closed_at = timezone.now()
    session.save(update_fields=["closed_at"])
    return session


# --- coaching --------------------------------------------------------------------------------------

COACHING_FIELDS = {"topic", "due_date", "notes", "outcome", "status"}


@transaction.atomic
def coaching_create(
    *, actor, agent, topic: str, due_date: date, notes: str = "", evaluation: Evaluation | None = None
) -> CoachingAction:
    """A team leader (or manager) opens a coaching action for an agent they can see, optionally
    from one of the agent's evaluations; the agent is notified."""
    _require(actor, "coaching.manage")
    _require_visible(actor, agent, "Unknown agent.")
    if evaluation is not None:
        _require_visible(actor, evaluation, "Unknown evaluation.")
        if evaluation.agent_id != agent.pk:
            raise ValidationError({"evaluation": "That evaluation is of another agent."})
    action = validated_save(
        CoachingAction(
            agent=agent, evaluation=evaluation, topic=topic, due_date=due_date, notes=notes, created_by=actor
        )
    )
    notify(
        recipients=[agent.user],
        subject=f"Coaching planned: {topic}",
        body=f"Due {due_date.isoformat()}. {notes}".strip(),
        url=reverse("agents:detail", kwargs={"code": agent.code}),
    )
    return action


@transaction.atomic
def coaching_update(*, actor, action: CoachingAction, **fields) -> CoachingAction:
    """Edit a coaching action; closing it (done / cancelled) needs an outcome."""
    _require(actor, "coaching.manage")
    _require_visible(actor, action)
    unknown = set(fields) - COACHING_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    action = CoachingAction.objects.of(pk=action).select_for_update().get()
    was_open = action.status == CoachingStatus.OPEN
    for name, value in fields.items():
        setattr(action, name, value)
    if was_open and action.status != CoachingStatus.OPEN:
        action.closed_at = timezone.now()
    elif action.status == CoachingStatus.OPEN:
        action.closed_at = None
    return validated_save(action)
