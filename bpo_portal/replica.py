"""An optional read replica for the heavy reads (issue 17, "Reads that scale out").

With `DATABASE_REPLICA_URL` set (a PostgreSQL streaming replica of `DATABASE_URL`), the database
alias "replica" exists and the reads that may go there are chosen, never all of them:

- **Pages and API reads** whose path starts with one of `REPLICA_READ_PATHS` (default: the
  dashboards, the client portal, `/api/v1/kpis/`, `/api/v1/sla/`, `/api/v1/forecast/`,
  `/api/v1/staffing/`): `ReplicaMiddleware` lets their GETs read from the replica.
- **Report generation** (`reads_from_replica(strict=True)` around it): only when the replica has
  replayed everything the primary had written when the generation started (its replay position is
  at or past the primary's current WAL position); otherwise the primary. A lagging replica is
  never used for a report.
- **Read-your-writes**: any request that writes (POST, PUT, PATCH, DELETE) reads from the primary,
  and so does every request of that browser or API client for `REPLICA_PIN_SECONDS` afterwards
  (a cookie, `bpo_primary`), so that what one just saved is what one sees next.
- A replica whose replay is more than `REPLICA_MAX_LAG_SECONDS` behind, or that cannot be reached,
  is not used (checked at most every `REPLICA_CHECK_SECONDS`); reads inside a transaction on the
  primary stay on the primary (a read-modify-write must see its own rows).

Everything else (imports, the KPI engine, every write, the admin, sign-in) uses the primary, as
without a replica. `ReplicaRouter` is the Django database router that applies this; it is a
platform module (it knows no app).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "bpo_primary"

_wanted: ContextVar[str | None] = ContextVar("replica_wanted", default=None)  # None, "loose", "strict"
_pinned: ContextVar[bool] = ContextVar("replica_pinned", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@dataclass
class _Health:
    checked_at: float = float("-inf")
    usable: bool = False
    lag_seconds: float | None = None
    reason: str = "not checked yet"


_health = _Health()


def replica_lag_seconds() -> float:
    """Seconds the replica's replay is behind (0 when it has replayed all it received); raises
    when the replica cannot be asked."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END,"
            " pg_is_in_recovery()"
        )
        lag, in_recovery = cursor.fetchone()
    if not in_recovery:
        raise RuntimeError("the replica database is not in recovery (not a streaming replica)")
    return float(lag)


def replica_usable(*, now: float | None = None) -> bool:
    """Whether loose reads may go to the replica: reachable and at most REPLICA_MAX_LAG_SECONDS
    behind, asked at most every REPLICA_CHECK_SECONDS (the answer is kept in between)."""
    if not configured():
        return False
    now = time.monotonic() if now is None else now
    if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _health.usable
    _health.checked_at = now
    try:
        lag = replica_lag_seconds()
    except Exception as exc:  # an unreachable replica must never fail a page: the primary answers
        _health.usable, _health.lag_seconds, _health.reason = False, None, f"{type(exc).__name__}: {exc}"[:300]
        log.warning("read replica not used: %s", _health.reason)
        return False
    _health.lag_seconds = lag
    _health.usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
    _health.reason = "" if _health.usable else f"replay {lag:.1f} s behind"
    if not _health.usable:
        log.warning("read replica not used: %s", _health.reason)
    return _health.usable


def replica_caught_up() -> bool:
    """Whether the replica has replayed everything the primary has written so far (its replay
    position at or past the primary's current WAL position, asked now): the test for reports."""
    if not configured():
        return False
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (position,) = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            (caught_up,) = cursor.fetchone()
    except Exception as exc:
        log.warning("read replica not used for a report: %s", f"{type(exc).__name__}: {exc}"[:300])
        return False
    return bool(caught_up)


def reset_health() -> None:
    """Forget the last replica check (tests; after a failover)."""
    _health.checked_at, _health.usable, _health.lag_seconds, _health.reason = float("-inf"), False, None, "reset"


@contextmanager
def reads_from_replica(*, strict: bool = False) -> Iterator[bool]:
    """Let the reads inside the block go to the replica when it is usable (`strict`: only when it
    has caught up with the primary right now, for reports). Yields whether it will be used."""
    mode = None
    if configured() and not _pinned.get():
        if strict:
            mode = "strict" if replica_caught_up() else None
        elif replica_usable():
            mode = "loose"
    token = _wanted.set(mode)
    try:
        yield mode is not None
    finally:
        _wanted.reset(token)


@contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Every read inside the block goes to the primary (after a write: read your own writes)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class ReplicaRouter:
    """Reads to the replica only inside `reads_from_replica` (and not pinned, not inside a
    transaction on the primary); every write, migration and everything else to the primary."""

    def db_for_read(self, model, **hints):
        if _wanted.get() is None or _pinned.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database and its copy: every object relates to every other

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _replica_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.REPLICA_READ_PATHS)


class ReplicaMiddleware:
    """Per request: a write pins this request and the client's next REPLICA_PIN_SECONDS to the
    primary (cookie `bpo_primary`); a GET or HEAD of a REPLICA_READ_PATHS path, not pinned, reads
    from the replica when it is usable. Without a replica it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        if writes or request.COOKIES.get(PIN_COOKIE):
            with pinned_to_primary():
                response = self.get_response(request)
            if _replica_path(request.path):
                response["X-Read-From"] = "primary (pinned after a write)"
        elif _replica_path(request.path):
            with reads_from_replica() as used:
                response = self.get_response(request)
            response["X-Read-From"] = "replica" if used else "primary"
        else:
            response = self.get_response(request)
        if writes:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())  # fmt: skip
        return response
