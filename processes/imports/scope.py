"""Whom an import may write for: the processes a caller may import into and the agents their rows
may name, the same for every door (the page, the command line, the bulk API) and both paths."""

from accounts.permissions import has_capability
from accounts.scoping import scope_q
from agents.models import Agent
from processes.models import Process


def importable_processes(user):
    """The processes `user` may import into: every process for the command line (None); for a
    user, the processes in their scope if their role may import interactions (ROLES.md), none
    otherwise, so every row of theirs is an error whichever door it comes through."""
    processes = Process.objects.all()
    if user is None:
        return processes
    if not has_capability(user, "interactions.import"):
        return processes.none()
    return processes.filter(scope_q(Process, user))


def nameable_agents(user):
    """The agents a row of `user`'s may name: those in their scope (an agent they may not see is
    reported as unknown, like a process: existence is not revealed); all for the command line."""
    agents = Agent.objects.all()
    return agents if user is None else agents.filter(scope_q(Agent, user))
