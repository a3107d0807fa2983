"""Tenant scoping, defined once: what each user may see.

Every queryset that can reach client data goes through `Model.objects.visible_to(user)`, which
lands here. The pages (`accounts.views.ScopedMixin`) and the API (`bpo_portal.api.ScopedViewSet`)
build their querysets with it, so a new page or endpoint is scoped by default, and an object
outside the caller's scope is simply not found (404): its existence is not revealed.

The core models (Client, Process, Team, Agent, User) have a rule each, per role (ROLES.md).
Any other model declares `scope_via`, the path of its foreign key to a core model
(e.g. `scope_via = "process"` on an interaction), and is visible exactly when that object is;
it may narrow that further with a `scope_extra(user, role)` classmethod returning a Q (e.g. an
agent sees only their own interactions). A model with neither is refused loudly rather than
shown unfiltered.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

ADMIN = "admin"
OPS_MANAGER = "ops_manager"
TEAM_LEADER = "team_leader"
QA_ANALYST = "qa_analyst"
AGENT = "agent"
CLIENT = "client"


def effective_role(user) -> str | None:
    """The role used for access decisions; superusers are administrators whatever their role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return ADMIN if user.is_superuser else user.role


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> models.QuerySet:
        """The rows of this queryset that `user` may see (none for anonymous users)."""
        return self.filter(scope_q(self.model, user))


_EVERYTHING = Q()
_NOTHING = Q(pk__in=[])


def _m(label: str):
    return apps.get_model(label)


def _visible_client_ids(user, role):
    Client, Process = _m("clients.Client"), _m("processes.Process")
    if role == ADMIN:
        return None
    if role == OPS_MANAGER:
        assigned = user.assigned_clients.values("pk")
        return assigned if assigned.exists() else None
    if role == CLIENT:
        return Client.objects.filter(pk=user.client_id).values("pk")
    return Process.objects.filter(pk__in=_visible_process_ids(user, role)).values("client_id")


def _visible_process_ids(user, role):
    Process, Agent = _m("processes.Process"), _m("agents.Agent")
    if role == ADMIN:
        return None
    if role in (OPS_MANAGER, CLIENT):
        clients = _visible_client_ids(user, role)
        return None if clients is None else Process.objects.filter(client__in=clients).values("pk")
    if role == TEAM_LEADER:
        return Agent.processes.through.objects.filter(agent__team__leader=user).values("process_id")
    if role == QA_ANALYST:
        return user.assigned_processes.through.objects.filter(user=user).values("process_id")
    if role == AGENT:
        return Agent.processes.through.objects.filter(agent__user=user).values("process_id")
    return Process.objects.none().values("pk")


def _visible_agent_ids(user, role):
    Agent = _m("agents.Agent")
    if role == ADMIN:
        return None
    if role == OPS_MANAGER:
        processes = _visible_process_ids(user, role)
        if processes is None:
            return None
        # Agents on their clients' processes, and agents not yet staffed anywhere (the bench).
        return Agent.objects.filter(Q(processes__in=processes) | Q(processes__isnull=True)).values("pk")
    if role == TEAM_LEADER:
        return Agent.objects.filter(team__leader=user).values("pk")
    if role == QA_ANALYST:
        return Agent.objects.filter(processes__in=_visible_process_ids(user, role)).values("pk")
    if role == AGENT:
        return Agent.objects.filter(user=user).values("pk")
    # Client users never see agents as records; dashboards decide about names separately.
    return Agent.objects.none().values("pk")


def _visible_team_ids(user, role):
    Team, Agent = _m("agents.Team"), _m("agents.Agent")
    if role == ADMIN:
        return None
    if role == TEAM_LEADER:
        return Team.objects.filter(leader=user).values("pk")
    if role in (OPS_MANAGER, QA_ANALYST, AGENT):
        agents = _visible_agent_ids(user, role)
        if agents is None:
            return None
        teams = Agent.objects.filter(pk__in=agents, team__isnull=False).values("team_id")
        if role == OPS_MANAGER:
            # A new team with nobody in it yet is still theirs to staff.
            return Team.objects.filter(Q(pk__in=teams) | Q(agents__isnull=True)).values("pk")
        return teams
    return Team.objects.none().values("pk")


def _visible_user_q(user, role) -> Q:
    if role == ADMIN:
        return _EVERYTHING
    if role == OPS_MANAGER:
        clients = _visible_client_ids(user, role)
        if clients is None:
            return _EVERYTHING
        processes = _visible_process_ids(user, role)
        visible = (
            Q(pk=user.pk)
            | Q(role=CLIENT, client__in=clients)
            | Q(role=AGENT, agent__in=_visible_agent_ids(user, role))
            | Q(role=TEAM_LEADER, led_teams__in=_visible_team_ids(user, role))
            | Q(role=QA_ANALYST, assigned_processes__in=processes)
            # Logins not yet tied to anyone's data, so they can be given a team or an agent.
            | Q(role=TEAM_LEADER, led_teams__isnull=True)
            | Q(role=AGENT, agent__isnull=True)
        )
        # Through a subquery, so the joins above cannot repeat a user in the result.
        return Q(pk__in=_m("accounts.User").objects.filter(visible).values("pk"))
    return Q(pk=user.pk)


def _pk_in(ids) -> Q:
    return _EVERYTHING if ids is None else Q(pk__in=ids)


_CORE_RULES = {
    "clients.client": lambda user, role: _pk_in(_visible_client_ids(user, role)),
    "processes.process": lambda user, role: _pk_in(_visible_process_ids(user, role)),
    "agents.agent": lambda user, role: _pk_in(_visible_agent_ids(user, role)),
    "agents.team": lambda user, role: _pk_in(_visible_team_ids(user, role)),
    "accounts.user": _visible_user_q,
}


def scope_q(model, user) -> Q:
    """A Q object selecting the rows of `model` that `user` may see."""
    role = effective_role(user)
    if role is None:
        return _NOTHING
    rule = _CORE_RULES.get(model._meta.label_lower)
    if rule is not None:
        return rule(user, role)
    extra_rule = getattr(model, "scope_extra", None)
    extra = extra_rule(user, role) if extra_rule else None
    base = _via_q(model, user)
    return base if extra is None else base & extra


def _via_q(model, user) -> Q:
    path = getattr(model, "scope_via", None)
    if path is None and hasattr(model, "scope_extra"):
        return _EVERYTHING
    if not path:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scoping rule: give it `scope_via` (the path of its "
            "foreign key to a client, process, team or agent)."
        )
    target = model._meta.get_field(path.split("__")[0]).related_model
    for part in path.split("__")[1:]:
        target = target._meta.get_field(part).related_model
    inner = scope_q(target, user)
    if inner == _EVERYTHING:
        return _EVERYTHING
    return Q(**{f"{path}__in": target.objects.filter(inner).values("pk")})


# --- related lists ------------------------------------------------------------------------------
# A visible object may point at objects that are not: an agent staffed for two clients, a QA
# analyst assigned to processes of both. Every page and API field that lists such related objects
# shows only those the caller may see, through the rule above: `only_visible` for a list of rows
# (a prefetched related manager keeps its single query), used by `bpo_portal.api`'s related
# fields and the `visible` template filter (accounts/templatetags/scope.py).


def visible_pks(model, user, cache: dict | None = None) -> frozenset | None:
    """The primary keys of `model` that `user` may see, or None when they may see every row.
    `cache` (a dict kept for one request) saves the query when many rows ask the same question."""
    key = (model._meta.label_lower, getattr(user, "pk", None))
    if cache is not None and key in cache:
        return cache[key]
    q = scope_q(model, user)
    pks = None if q == _EVERYTHING else frozenset(model._base_manager.filter(q).values_list("pk", flat=True))
    if cache is not None:
        cache[key] = pks
    return pks


def only_visible(objects, user, cache: dict | None = None) -> list:
    """Those of `objects` (model instances, e.g. `agent.processes.all()`) that `user` may see, in
    their order. Nothing for an anonymous user."""
    objects = list(objects)
    if not objects:
        return objects
    pks = visible_pks(objects[0]._meta.model, user, cache)
    return objects if pks is None else [obj for obj in objects if obj.pk in pks]


def request_scope_cache(request) -> dict | None:
    """The per-request memo of `visible_pks` (None without a request)."""
    if request is None:
        return None
    cache = getattr(request, "_visible_pks_cache", None)
    if cache is None:
        cache = {}
        try:
            request._visible_pks_cache = cache
        except AttributeError:
            return None
    return cache
