from django.db.models import Count, Q

from accounts.scoping import scope_q
from agents.models import Agent, Team


def team_list(*, user):
    """The teams `user` may see, with their leader and how many of their agents are visible."""
    visible_agents = Agent.objects.filter(scope_q(Agent, user)).values("pk")
    return (
        Team.objects.filter(scope_q(Team, user))
        .select_related("leader")
        .annotate(agent_count=Count("agents", filter=Q(agents__in=visible_agents), distinct=True))
        .order_by("code")
    )


def agent_list(*, user):
    """The agents `user` may see, with team, login and staffed processes."""
    return (
        Agent.objects.filter(scope_q(Agent, user)).select_related("team", "user").prefetch_related("processes__client")
    )
