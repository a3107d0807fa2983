"""Quality data for a test tenant: a scorecard on its voice process, two handled interactions,
an evaluation with an open dispute, a calibration session and a coaching action, so that the
access walk has an object of every quality model on each side."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from accounts.models import Role
from processes.models import Interaction
from tests.factories import UserFactory

SECTIONS = [
    {
        "title": "Opening",
        "weight": 20,
        "criteria": [
            {"text": "Greeting and name", "points_possible": 2},
            {"text": "Verified identity", "points_possible": 1, "fatal": True},
        ],
    },
    {
        "title": "Resolution",
        "weight": 60,
        "criteria": [
            {"text": "Understood the need", "points_possible": 5},
            {"text": "Offered the upsell", "points_possible": 1, "allow_na": True},
        ],
    },
    {"title": "Closing", "weight": 20, "criteria": [{"text": "Summarised next steps", "points_possible": 1}]},
]


def make_interaction(process, agent, external_id: str, day: date, hour: int = 10) -> Interaction:
    arrived = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)
    return Interaction.objects.create(
        process=process,
        client=process.client,
        external_id=external_id,
        agent=agent,
        team=agent.team if agent else None,
        channel=process.channel,
        customer_ref=f"C-{external_id}",
        arrived_at=arrived,
        answered_at=arrived + timedelta(seconds=10),
        ended_at=arrived + timedelta(seconds=300),
        talk_seconds=250,
        local_date=day,
        arrived_us=int(arrived.timestamp() * 1_000_000),
        wait_seconds=10,
        duration_seconds=300,
        imported_at=timezone.now(),
    )


def full_marks(scorecard) -> dict:
    return {c.pk: c.points_possible for c in scorecard.criteria()}


@dataclass
class QualityData:
    scorecard: object
    interaction: object
    interaction2: object
    evaluation: object
    dispute: object
    calibration: object
    coaching: object
    reviewer: object


def build(tenant) -> QualityData:
    from quality import services

    prefix = tenant.client.code.lower()
    reviewer = UserFactory(username=f"qa2_{prefix}", role=Role.QA_ANALYST)
    reviewer.assigned_processes.set([tenant.process])
    scorecard = services.scorecard_create(
        actor=tenant.qa, process=tenant.process, name=f"{tenant.client.name} voice scorecard", sections=SECTIONS
    )
    day = date(2026, 3, 2)
    interaction = make_interaction(tenant.process, tenant.agent, f"{prefix}-call-1", day)
    interaction2 = make_interaction(tenant.process, tenant.agent, f"{prefix}-call-2", day + timedelta(days=1))
    answers = full_marks(scorecard)
    answers[scorecard.criteria()[2].pk] = 3
    evaluation = services.evaluation_create(
        actor=tenant.qa, interaction=interaction, answers=answers, comment=f"{tenant.client.name} call"
    )
    dispute = services.dispute_open(actor=tenant.agent_user, evaluation=evaluation, reason="The customer hung up.")
    calibration = services.calibration_create(
        actor=tenant.qa,
        interaction=interaction2,
        title=f"{tenant.client.name} calibration",
        participants=[tenant.qa, reviewer],
    )
    coaching = services.coaching_create(
        actor=tenant.team_leader,
        agent=tenant.agent,
        topic=f"{tenant.client.name} probing questions",
        due_date=day + timedelta(days=14),
        evaluation=evaluation,
    )
    return QualityData(scorecard, interaction, interaction2, evaluation, dispute, calibration, coaching, reviewer)
