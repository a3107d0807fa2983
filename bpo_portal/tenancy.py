"""The tenancy guard: inside a request, reading client data without a scope raises.

`accounts.scoping` says what each user may see; this module makes forgetting to ask loud. It is a
platform module (it knows no app), so that the platform's own code can declare its deliberate
reads too (the uniqueness checks of model validation and of the API, UNIQUENESS below). While
a request is handled (`bpo_portal.middleware.TenancyGuardMiddleware` switches the guard on for
the whole request, response rendering included), a queryset of a client-data model, i.e. any
model whose manager is built on `accounts.scoping.ScopedQuerySet`, raises `TenancyError` when it
is evaluated (rows fetched, counted, tested for existence, aggregated, iterated, updated or
deleted) unless one of these holds:

- it was narrowed to the caller's scope: `.visible_to(user)`, or `.filter(scope_q(Model, user))`
  with the `scope_q` of the same model passed to `filter` as it is (the guard recognises that Q
  and marks the queryset; a scope combined with `|`, negated or wrapped in another Q is not
  recognised, so write `.visible_to(user).filter(...)` instead);
- it came from a related manager of an object already loaded (`process.interactions.all()`,
  prefetches): that object was found in scope, and these are its own rows; `.of(process=process)`
  says the same where there is no related manager, or for several loaded objects
  (`SLATarget.objects.of(process__in=processes)`);
- it is empty (`Model.objects.none()`): it reads nothing;
- it is a deliberate wider read, which says so and why: `Model.objects.unscoped("why")` for one
  queryset, or `with cross_tenant("why"):` (also a decorator) around a block. The reason is
  required, so that a reader of the code sees the read is on purpose (the sign-in lookup by
  username, the scoping rules themselves, the health check's count, uniqueness of codes across
  tenants).

Outside requests (Celery tasks, management commands, the shell, migrations, a test's own ORM
calls) the guard is off: no user is known there, and those callers are trusted code that decide
what they read. A task that runs eagerly inside a request (no broker configured) is outside too:
the task's own code switches the guard off while it runs (the Celery signals below).

Why not django-scopes (which pretix wrote for exactly this): its `ScopedManager` filters every
query by fixed dimension values given to `with scope(organizer=...)`: one organiser, one event.
Our scope is not a value but a per-role rule (a team leader sees the processes their agents
work on, a QA analyst the processes assigned to them, an operations manager all clients or only
the assigned ones: ROLES.md), which `scope_q` already computes per model and which every page
and endpoint already applies. What was missing is only the "raises when forgotten" half, and
that fits on the one queryset class every client-data manager already uses. Checking at
evaluation rather than when the queryset is built (as django-scopes does) lets the scoping rules
build their subqueries from the same managers, and lets a view build a queryset it then narrows.

What the guard does not see: raw SQL (`connection.cursor()`), querysets of models outside
`ScopedQuerySet` (sessions, tokens, lockout records), a subquery of client data inside a query of
such a model, forward foreign keys and reverse one-to-ones (`interaction.process`, `user.agent`:
Django reads those through the plain base manager, and they follow an object already in
scope), and the content of a streaming response iterated after the view returned.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

# True while a request is handled (set by the middleware, or by `tenancy_guard()` in tests).
_guard_on: ContextVar[bool] = ContextVar("tenancy_guard_on", default=False)
# The reason of the innermost `cross_tenant` block, or None outside any.
_cross_tenant_reason: ContextVar[str | None] = ContextVar("tenancy_cross_tenant_reason", default=None)


# Codes, usernames and the other unique fields are unique across the whole portal, not per tenant:
# checking that a new value is free reads every tenant's rows (and answers only "taken").
UNIQUENESS = "uniqueness is checked across tenants: codes and usernames are unique portal-wide"


class TenancyError(RuntimeError):
    """Client data was read inside a request without the caller's scope (a programming error:
    it is never caught, so a test or the server log shows it)."""


def _checked_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise TypeError("A cross-tenant read must say why: give a non-empty reason.")
    return reason


@contextlib.contextmanager
def tenancy_guard():
    """Switch the guard on for the block (what the middleware does for each request)."""
    token = _guard_on.set(True)
    reason = _cross_tenant_reason.set(None)  # a request starts without any exemption
    try:
        yield
    finally:
        _cross_tenant_reason.reset(reason)
        _guard_on.reset(token)


@contextlib.contextmanager
def cross_tenant(reason: str):
    """A deliberate read across tenants for the block (or the decorated function): `reason` says
    why, e.g. `with cross_tenant("sign-in looks the login up by username"):`."""
    token = _cross_tenant_reason.set(_checked_reason(reason))
    try:
        yield
    finally:
        _cross_tenant_reason.reset(token)


@contextlib.contextmanager
def guard_off():
    """No guard for the block, as outside a request (a task run eagerly inside one)."""
    token = _guard_on.set(False)
    try:
        yield
    finally:
        _guard_on.reset(token)


def guard_active() -> bool:
    """Whether an unscoped read of client data would raise here and now."""
    return _guard_on.get() and _cross_tenant_reason.get() is None


def unscoped_read_error(model, operation: str) -> TenancyError:
    name = model._meta.label
    short = model.__name__
    return TenancyError(
        f"{name} was read ({operation}) inside a request without a tenant scope. Narrow the "
        f"queryset to the caller: {short}.objects.visible_to(request.user) (or "
        f".filter(scope_q({short}, user)), or an existing selector), reach the rows through a "
        "related manager of an object already in scope, or, if the read is deliberately wider, "
        f'say so: {short}.objects.unscoped("why") or `with cross_tenant("why"):` '
        "(bpo_portal/tenancy.py)."
    )


# --- Celery: a task's code runs without the guard, even when run eagerly inside a request ------
_task_tokens: dict[str, list] = {}


def _task_started(task_id=None, **kwargs):
    _task_tokens.setdefault(task_id, []).append(_guard_on.set(False))


def _task_finished(task_id=None, **kwargs):
    tokens = _task_tokens.get(task_id)
    if tokens:
        _guard_on.reset(tokens.pop())
        if not tokens:
            del _task_tokens[task_id]


try:
    from celery.signals import task_postrun, task_prerun
except ImportError:  # pragma: no cover - Celery is a requirement; the guard works without it
    pass
else:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="bpo_portal.tenancy.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="bpo_portal.tenancy.task_finished")
