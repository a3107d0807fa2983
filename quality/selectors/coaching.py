"""Scoped reads of coaching actions, and the new coaching form's starting values."""

from __future__ import annotations

from datetime import date, timedelta

from accounts.scoping import scope_q
from agents.models import Agent
from quality.models import (
    CoachingAction,
    CoachingStatus,
)
from quality.selectors.evaluations import evaluation_find


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
