from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.scoping import AGENT, TEAM_LEADER
from agents.models import Agent, Team
from bpo_portal.services import set_fields, validated_save
from processes.models import Process

TEAM_FIELDS = {"code", "name", "leader"}
AGENT_FIELDS = {"code", "name", "team", "role", "user", "active"}


def _check_leader(leader) -> None:
    if leader is not None and leader.role != TEAM_LEADER:
        raise ValidationError({"leader": f"{leader.username} is not a team leader (role: {leader.role})."})


@transaction.atomic
def team_create(*, actor, code: str, name: str, leader=None) -> Team:
    _check_leader(leader)
    return validated_save(Team(code=code, name=name, leader=leader))


@transaction.atomic
def team_update(*, actor, team: Team, **fields) -> Team:
    set_fields(team, fields, allowed=TEAM_FIELDS)
    _check_leader(team.leader)
    return validated_save(team)


def _check_staffing(agent: Agent, processes, hidden=()) -> None:
    """An agent works for one client: all their processes must belong to the same client.

    Agents are dedicated to a client (the usual BPO contract, and what keeps one client's
    customers' data away from another's agents). `hidden` are processes the actor cannot see:
    they count, but the message does not name them or their client.
    """
    clients = {}
    hidden_pks = {process.pk for process in hidden}
    for process in processes:
        if process.pk not in hidden_pks:
            clients.setdefault(process.client.code, []).append(process.code)
    hidden_clients = {process.client_id for process in hidden} - {
        p.client_id for p in processes if p.pk not in hidden_pks
    }
    if len(clients) + len(hidden_clients) > 1:
        detail = "; ".join(
            f"{', '.join(sorted(codes))} of client {client}" for client, codes in sorted(clients.items())
        )
        if hidden_clients:
            detail += "; and processes of another client, outside what you can see"
        raise ValidationError({"processes": f"An agent can only be staffed on processes of one client, not {detail}."})


def _check_user(agent: Agent) -> None:
    user = agent.user
    if user is None:
        return
    if user.role != AGENT:
        raise ValidationError({"user": f"{user.username} is not an agent login (role: {user.role})."})
    other = Agent.objects.of(user=user).exclude(pk=agent.pk).first()
    if other is not None:
        raise ValidationError({"user": f"{user.username} is already linked to agent {other.code}."})


@transaction.atomic
def agent_create(*, actor, code: str, name: str, processes=(), **fields) -> Agent:
    """Create an agent staffed on `processes` (all of one client)."""
    agent = Agent(code=code, name=name)
    set_fields(agent, fields, allowed=AGENT_FIELDS)
    processes = list(processes)
    _check_staffing(agent, processes)
    _check_user(agent)
    validated_save(agent)
    agent.processes.set(processes)
    return agent


@transaction.atomic
def agent_update(*, actor, agent: Agent, processes=None, **fields) -> Agent:
    """Change an agent; `processes`, when given, replaces their staffing.

    Staffing on processes the actor cannot see is kept as it is: an operations manager limited to
    some clients edits only their part of the agent's staffing.
    """
    set_fields(agent, fields, allowed=AGENT_FIELDS)
    if processes is not None:
        hidden = agent.processes.exclude(pk__in=Process.objects.visible_to(actor).values("pk"))
        hidden = list(hidden)
        processes = list(processes) + hidden
        _check_staffing(agent, processes, hidden)
    _check_user(agent)
    validated_save(agent)
    if processes is not None:
        agent.processes.set(processes)
    return agent
