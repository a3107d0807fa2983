"""Demo quality data for `make demo`: a scorecard per process, ~150 evaluations over the last 60
days, disputes (one open, one amended), a closed calibration session, coaching actions and this
week's samples. Built through the services, once (idempotent: skipped when scorecards exist)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.demo import demo_password_hash
from accounts.models import Role, User
from agents.models import Agent
from processes.models import Interaction, Process
from quality import services
from quality.models import Scorecard

CONTACT_CARD = [
    {
        "title": "Opening",
        "weight": 15,
        "criteria": [
            {"text": "Greeted with the approved script", "points_possible": 2},
            {
                "text": "Verified the customer's identity",
                "points_possible": 1,
                "fatal": True,
                "guidance": "Two of: date of birth, postcode, last payment. Failing it fails the contact.",
            },
        ],
    },
    {
        "title": "Understanding and resolution",
        "weight": 50,
        "criteria": [
            {"text": "Understood the need (probing questions)", "points_possible": 5, "weight": 2},
            {"text": "Gave a correct and complete answer", "points_possible": 5, "weight": 2},
            {"text": "Offered the relevant product or upgrade", "points_possible": 1, "allow_na": True},
        ],
    },
    {
        "title": "Soft skills",
        "weight": 20,
        "criteria": [
            {"text": "Empathy and tone", "points_possible": 3},
            {"text": "Managed holds and silences", "points_possible": 2, "allow_na": True},
        ],
    },
    {
        "title": "Closing and compliance",
        "weight": 15,
        "criteria": [
            {"text": "Summarised next steps", "points_possible": 1},
            {"text": "Read the mandatory disclosure", "points_possible": 1, "fatal": True},
        ],
    },
]

BACKOFFICE_CARD = [
    {
        "title": "Data entry",
        "weight": 40,
        "criteria": [
            {"text": "Account number and name match the request", "points_possible": 1, "fatal": True},
            {"text": "Porting date entered correctly", "points_possible": 1},
        ],
    },
    {
        "title": "Process adherence",
        "weight": 40,
        "criteria": [
            {"text": "Followed the porting checklist", "points_possible": 3},
            {"text": "Donor operator notified", "points_possible": 1, "allow_na": True},
        ],
    },
    {"title": "Documentation", "weight": 20, "criteria": [{"text": "Case notes complete", "points_possible": 2}]},
]

EVALUATIONS = 150
DAYS = 60


def _user(username, first, last, processes):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, role=Role.QA_ANALYST, first_name=first, last_name=last, email=f"{username}@demo.invalid"
        )
        user.password = demo_password_hash()
        user.save()
    user.assigned_processes.set(processes)
    return user


def _answers(rng, scorecard, quality: float) -> dict:
    """Random but plausible answers: most criteria full marks, weaker agents lose more points,
    fatal criteria fail rarely, N/A where allowed now and then."""
    answers = {}
    for criterion in scorecard.criteria():
        if criterion.allow_na and rng.random() < 0.25:
            answers[criterion.pk] = None
        elif criterion.fatal:
            answers[criterion.pk] = 0 if rng.random() < 0.03 else criterion.points_possible
        elif rng.random() < quality:
            answers[criterion.pk] = criterion.points_possible
        else:
            answers[criterion.pk] = rng.randint(max(0, criterion.points_possible - 3), criterion.points_possible - 1)
    return answers


DEMO_LOGINS = [
    ("qa.lead", "QA analyst", "second reviewer for disputes; calibration expert; all processes"),
    ("qa.new", "QA analyst", "new QA analyst (calibration participant)"),
]


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
@transaction.atomic
def seed_quality() -> bool:
    """Create the demo quality data once. Returns False when it was already there."""
    if Scorecard.objects.exists() or not Interaction.objects.exists():
        return False
    rng = random.Random(2026)
    processes = list(Process.objects.order_by("code"))
    qa = User.objects.get(username="qa")
    lead = _user("qa.lead", "Lena", "Lead", processes)
    newcomer = _user("qa.new", "Noah", "Newcomer", [p for p in processes if p.code == "ACME-VOICE"])
    cards = {}
    for process in processes:
        sections = BACKOFFICE_CARD if process.channel == "backoffice" else CONTACT_CARD
        cards[process.pk] = services.scorecard_create(
            actor=lead, process=process, name=f"{process.name} QA", sections=sections
        )
    today = timezone.localdate()
    evaluations = _evaluations(rng, cards, qa=qa, lead=lead, today=today)
    _responses(rng, evaluations, qa=qa, lead=lead, today=today)
    _calibration(processes, cards, qa=qa, lead=lead, newcomer=newcomer)
    _coaching(evaluations, today=today)
    for process in processes:
        services.sample_draw(process=process, week_start=today)
    return True


def _evaluations(rng, cards, *, qa, lead, today) -> list:
    """About EVALUATIONS evaluations of interactions handled by an agent in the last DAYS days,
    sampled evenly, and a few recent ones of the demo agent by `qa` (to acknowledge or dispute)."""
    qa_processes = set(qa.assigned_processes.values_list("pk", flat=True))
    pool = list(
        Interaction.objects.filter(
            agent__isnull=False, answered_at__isnull=False, local_date__gte=today - timedelta(days=DAYS)
        )
        .order_by("id")
        .values_list("pk", flat=True)[:200000]
    )
    chosen = rng.sample(pool, min(len(pool), EVALUATIONS))
    skill = {agent.pk: 0.6 + 0.35 * rng.random() for agent in Agent.objects.all()}
    own = list(
        Interaction.objects.filter(
            agent__code="A0001", answered_at__isnull=False, local_date__gte=today - timedelta(days=14)
        ).values_list("pk", flat=True)[:400]
    )
    chosen = rng.sample(own, min(4, len(own))) + [pk for pk in chosen if pk not in own]
    evaluations = []
    for interaction in Interaction.objects.filter(pk__in=chosen).select_related("process", "agent"):
        evaluator = qa if interaction.process_id in qa_processes and rng.random() < 0.7 else lead
        answers = _answers(rng, cards[interaction.process_id], skill[interaction.agent_id])
        evaluation = services.evaluation_create(
            actor=evaluator,
            interaction=interaction,
            answers=answers,
            comments={pk: "Missed a step here." for pk, points in answers.items() if points == 0},
            comment=rng.choice(["", "", "Good call overall.", "Work on probing before answering."]),
        )
        evaluations.append(evaluation)
    return evaluations


def _responses(rng, evaluations, *, qa, lead, today) -> None:
    """Most agents have acknowledged their older evaluations; the demo agent has one dispute
    resolved by an amendment and one open."""
    demo_agent = User.objects.get(username="agent")
    for evaluation in evaluations:
        agent_user = evaluation.agent.user
        older = evaluation.local_date < today - timedelta(days=10)
        if agent_user and agent_user != demo_agent and older and rng.random() < 0.8:
            services.evaluation_acknowledge(actor=agent_user, evaluation=evaluation)
    mine = sorted(
        (e for e in evaluations if e.agent.user_id == demo_agent.pk and e.evaluator_id == qa.pk),
        key=lambda e: (e.score, e.local_date),
    )
    if len(mine) < 2:
        return
    resolved = services.dispute_open(
        actor=demo_agent, evaluation=mine[0], reason="The customer asked to skip the upgrade offer; it was N/A."
    )
    answers = {a.criterion_id: a.points_earned for a in mine[0].answers.all()}
    answers.update({c.pk: c.points_possible for c in mine[0].scorecard.criteria() if not c.fatal})
    services.dispute_resolve(
        actor=lead,
        dispute=resolved,
        decision="amend",
        resolution="Checked the recording: the customer declined before the offer. Amended.",
        answers=answers,
    )
    services.dispute_open(
        actor=demo_agent, evaluation=mine[1], reason="I did verify the identity at the start of the call."
    )


def _calibration(processes, cards, *, qa, lead, newcomer) -> None:
    """One closed calibration session on an ACME-VOICE call, the lead as expert."""
    voice = next(p for p in processes if p.code == "ACME-VOICE")
    call = (
        Interaction.objects.filter(process=voice, agent__isnull=False, answered_at__isnull=False)
        .order_by("-local_date", "id")
        .first()
    )
    if call is None:  # a very short history may have no answered call yet
        return
    session = services.calibration_create(
        actor=lead,
        interaction=call,
        title="ACME voice calibration — identity checks",
        participants=[qa, lead, newcomer],
        expert=lead,
    )
    card = cards[voice.pk]
    base = {c.pk: c.points_possible for c in card.criteria()}
    criteria = list(card.criteria())
    variants = {
        lead: base,
        qa: {**base, criteria[2].pk: 4},
        newcomer: {**base, criteria[2].pk: 3, criteria[3].pk: 4, criteria[4].pk: None, criteria[5].pk: 2},
    }
    for user, answers in variants.items():
        services.calibration_submit(actor=user, session=session, answers=answers)
    services.calibration_close(actor=lead, session=session)


def _coaching(evaluations, *, today) -> None:
    """Coaching actions by the North team leader: on the three weakest evaluations of the team,
    one for the demo agent, and one done a week ago."""
    leader = User.objects.get(username="tl.north")
    low = sorted(
        (e for e in evaluations if e.agent.team and e.agent.team.leader_id == leader.pk), key=lambda e: e.score
    )
    for n, evaluation in enumerate(low[:3]):
        services.coaching_create(
            actor=leader,
            agent=evaluation.agent,
            topic=["Probing questions before answering", "Identity verification script", "Hold etiquette"][n],
            due_date=today + timedelta(days=5 + 4 * n),
            notes="Listen to the call together, then role-play two scenarios.",
            evaluation=evaluation,
        )
    services.coaching_create(
        actor=leader,
        agent=Agent.objects.get(code="A0001"),
        topic="Closing summary",
        due_date=today + timedelta(days=3),
        notes="Use the three-point summary card.",
    )
    if low:
        done = services.coaching_create(
            actor=leader, agent=low[-1].agent, topic="Product knowledge refresh", due_date=today - timedelta(days=7)
        )
        services.coaching_update(actor=leader, action=done, status="done", outcome="Completed the module; 9/10 quiz.")
