"""The quality sections of the role home pages and the navigation's notification count
(registered in QualityConfig.ready; accounts renders them without importing quality)."""

from accounts.registry import HomeSection, register_home_section, register_nav_counter
from accounts.scoping import AGENT, QA_ANALYST
from quality import selectors
from quality.models import AgentResponse, EvaluationStatus

SHOWN = 8


def unread_notifications(user) -> int:
    return user.notifications.filter(read_at__isnull=True).count()


def awaiting_acknowledgement(request):
    """The agent's current evaluations that wait for them to acknowledge or dispute, oldest first."""

    rows = (
        selectors.evaluation_list(user=request.user)
        .filter(status=EvaluationStatus.FINAL, agent_response=AgentResponse.PENDING, agent__user=request.user)
        .select_related("interaction", "process", "scorecard")
        .order_by("created_at", "id")
    )
    total = rows.count()
    return {"evaluations": list(rows[:SHOWN]), "total": total}


def disputes_to_review(request):
    rows = selectors.open_disputes_for_reviewer(user=request.user)
    return {"disputes": list(rows[:SHOWN]), "total": rows.count()}


def register():
    register_nav_counter("notifications", unread_notifications)
    register_home_section(
        HomeSection(
            key="quality.awaiting",
            roles=frozenset({AGENT}),
            template="quality/_home_awaiting.html",
            context=awaiting_acknowledgement,
            order=20,
            width=5,
        )
    )
    register_home_section(
        HomeSection(
            key="quality.disputes",
            roles=frozenset({QA_ANALYST}),
            template="quality/_home_disputes.html",
            context=disputes_to_review,
            order=20,
            width=12,
        )
    )
