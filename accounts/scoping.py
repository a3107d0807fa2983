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

Forgetting to scope is loud: inside a request, a `ScopedQuerySet` evaluated without
`.visible_to(user)` (or a `scope_q` of its model given to `filter`), outside a related manager
(or `.of(...)`, the rows of objects already loaded) and outside a deliberate `.unscoped("why")` /
`cross_tenant("why")` raises `TenancyError`
(`bpo_portal.tenancy`, which explains the design).
"""

from __future__ import annotations

import builtins

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

from bpo_portal import tenancy
from bpo_portal.tenancy import TenancyError, cross_tenant  # noqa: F401 - re-exported for callers

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


class ScopeQ(Q):
    """The Q returned by `scope_q`, which knows the model it scopes. Given as it is to
    `ScopedQuerySet.filter` on that model, it marks the queryset as scoped for the tenancy guard.
    (Combining it with other Qs gives a plain Q again: the guard cannot tell an `&` that narrows
    from an `|` that widens, so only the Q itself counts.)"""

    model = None

    @classmethod
    def of(cls, q: Q, model) -> ScopeQ:
        scoped = cls.create(children=list(q.children), connector=q.connector, negated=q.negated)
        scoped.model = model
        return scoped

    def scopes(self, model) -> bool:
        return self.model is not None and self.model._meta.concrete_model is model._meta.concrete_model


class ScopedQuerySet(models.QuerySet):
    """The queryset of every client-data model: `visible_to(user)` scopes it; evaluated inside a
    request without a scope it raises `TenancyError` (bpo_portal/tenancy.py).

    `_tenant_scope` says how the rows were narrowed: None (not at all), "scope" (visible_to or a
    scope_q filter), "unscoped: <reason>" (deliberately wider), or False (scoped rows widened by
    `|` with rows that are not: not scoped, whatever it came from)."""

    _tenant_scope = None

    def visible_to(self, user) -> models.QuerySet:
        """The rows of this queryset that `user` may see (none for anonymous users)."""
        return self.filter(scope_q(self.model, user))

    def of(self, **related) -> models.QuerySet:
        """The rows of objects already loaded, as a related manager gives them
        (`process.sla_targets.all()` is `SLATarget.objects.of(process=process)`): for a relation
        declared without one (related_name="+") and for several objects at once
        (`SLATarget.objects.of(process__in=processes)`), or the row of a loaded object itself, to
        lock or update it (`WorkItem.objects.of(pk=item)`). Each value is a model instance (it was
        found in scope: these are its own rows), a list of them (with `__in`), or a queryset that
        is itself scoped; a bare id is refused, nothing says where it came from."""
        for name, value in related.items():
            many = name.endswith("__in")
            if not _loaded(value, many=many):
                raise TypeError(
                    f"{self.model.__name__}.objects.of({name}=...) takes model instances or a scoped "
                    "queryset, not ids: scope the read with visible_to(user) instead."
                )
            if name in ("pk", "pk__in") and not isinstance(value, models.QuerySet):
                related[name] = [v.pk for v in value] if many else value.pk
        clone = self.filter(**related)
        if clone._tenant_scope is not False:
            clone._tenant_scope = "scope"
        return clone

    def unscoped(self, reason: str) -> models.QuerySet:
        """This queryset, read deliberately across tenants: `reason` says why (it is required)."""
        clone = self._chain()
        clone._tenant_scope = f"unscoped: {tenancy._checked_reason(reason)}"
        return clone

    # --- the guard --------------------------------------------------------------------------

    def _tenant_scoped(self) -> bool:
        if self._tenant_scope is False:
            return False
        # A related manager (obj.related.all(), a prefetch) hints the object it belongs to.
        return bool(self._tenant_scope) or "instance" in self._hints or self.query.is_empty()

    def _guard(self, operation: str) -> None:
        if tenancy.guard_active() and not self._tenant_scoped():
            raise tenancy.unscoped_read_error(self.model, operation)

    def _clone(self):
        clone = super()._clone()
        clone._tenant_scope = self._tenant_scope
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        scoped = not negate and any(isinstance(arg, ScopeQ) and arg.scopes(self.model) for arg in args)
        if scoped and clone._tenant_scope is not False:
            clone._tenant_scope = "scope"
        return clone

    def _widened(self, combined, *others):
        """`combined` of self and others by union: scoped only when every part is."""
        if combined is not self and not (self._tenant_scoped() and all(o._tenant_scoped() for o in others)):
            combined._tenant_scope = False
        return combined

    def __or__(self, other):
        return self._widened(super().__or__(other), other)

    def __xor__(self, other):
        return self._widened(super().__xor__(other), other)

    def __and__(self, other):
        combined = super().__and__(other)
        if combined is not other and not self._tenant_scoped() and other._tenant_scoped():
            combined._tenant_scope = "scope"  # narrowed by the scoped side
        return combined

    def _combinator_query(self, combinator, *other_qs, all=False):
        combined = super()._combinator_query(combinator, *other_qs, all=all)
        others = [o._tenant_scoped() if isinstance(o, ScopedQuerySet) else False for o in other_qs]
        if combinator == "union":
            scoped = self._tenant_scoped() and builtins.all(others)
        elif combinator == "intersection":
            scoped = self._tenant_scoped() or builtins.any(others)
        else:  # difference: the rows of self
            scoped = self._tenant_scoped()
        combined._tenant_scope = "scope" if scoped else False
        return combined

    def _fetch_all(self):
        if self._result_cache is None:
            self._guard("fetch")
        super()._fetch_all()

    def iterator(self, *args, **kwargs):
        self._guard("iterator")
        return super().iterator(*args, **kwargs)

    def count(self):
        if self._result_cache is None:
            self._guard("count")
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._guard("exists")
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._guard("aggregate")
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._guard("update")
        return super().update(**kwargs)

    def _update(self, values):
        self._guard("update")
        return super()._update(values)

    def delete(self):
        self._guard("delete")
        return super().delete()

    def explain(self, **options):
        self._guard("explain")
        return super().explain(**options)


def _loaded(value, *, many: bool) -> bool:
    if isinstance(value, ScopedQuerySet):
        return many and value._tenant_scoped()
    if many:
        return not isinstance(value, (str, bytes, models.QuerySet)) and all(_loaded(v, many=False) for v in value)
    return isinstance(value, models.Model) and value.pk is not None


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


def scope_q(model, user) -> ScopeQ:
    """A Q object selecting the rows of `model` that `user` may see. Given to `filter` on `model`
    as it is, it also tells the tenancy guard the queryset is scoped."""
    # The rules read assignments (an operations manager's clients) of users in other tenants'
    # terms: that is what they are for.
    with cross_tenant("the scoping rules read the assignments that define a scope"):
        return ScopeQ.of(_scope_q(model, user), model)


def _scope_q(model, user) -> Q:
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
    inner = _scope_q(target, user)
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
    q = _scope_q(model, user)
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
