"""The one way the portal queues a task after a write (the project-wide task, the worker's
health check, is in bpo_portal/celery.py).

`enqueue_on_commit(task, ...)` queues a fire-and-forget task once the current transaction commits;
`enqueue_safely` publishes it right away. Neither ever fails the write that asked for it: the
data are committed and their durable records (KPI marks, queued import jobs) are what the worker's
periodic sweeps pick up. When the broker cannot be reached the attempt costs at most
CELERY_BROKER_CONNECTION_TIMEOUT seconds (plus the Redis client's own quick reconnection
attempts, about 3 s in all for a refused connection), is logged, and is reported to whoever collects
`enqueue_failures()` (an import command, page or API view says so in its answer). A broker found
unreachable is not tried again by this process for BROKER_DOWN_SECONDS, so a burst of writes
during an outage does not pay that wait each time.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnqueueFailure:
    """A task that could not be handed to the broker."""

    task: str
    reason: str


_failures: ContextVar[list[EnqueueFailure] | None] = ContextVar("enqueue_failures", default=None)


@contextmanager
def enqueue_failures() -> Iterator[list[EnqueueFailure]]:
    """Collect the tasks that could not be queued while the block runs (including on-commit
    callbacks run by a transaction that commits inside it)."""
    failures: list[EnqueueFailure] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def broker_note(failures: list[EnqueueFailure], what: str) -> str:
    """One sentence for an operator: what happens instead, and why ("" when nothing failed)."""
    if not failures:
        return ""
    return f"{what}: the broker is unreachable ({failures[0].reason})"


def enqueue_safely(task, *args, **kwargs) -> bool:
    """Queue `task(*args, **kwargs)` without waiting for its result; True if it was queued (or,
    in eager mode, run). A broker that cannot be reached is logged and collected, never raised."""
    if task.app.conf.task_always_eager:
        # The embedded default: the task runs here and now, its errors are the caller's.
        task.apply(args, kwargs, throw=task.app.conf.task_eager_propagates)
        return True
    broker = task.app.conf.broker_url
    down = _broker_down.get(broker)
    if down is not None and time.monotonic() < down[0]:
        # Found unreachable a moment ago: do not make every write wait for it again.
        _record(task, down[1])
        return False
    try:
        # No result backend round trip (fire and forget) and no publish retries: one
        # connection attempt, bounded by broker_connection_timeout.
        task.apply_async(args, kwargs, ignore_result=True, retry=False)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".strip()[:300]
        _broker_down[broker] = (time.monotonic() + BROKER_DOWN_SECONDS, reason)
        _record(task, reason)
        return False
    _broker_down.pop(broker, None)
    return True


# broker URL -> (monotonic time until which it is not tried again, why it failed)
_broker_down: dict[str, tuple[float, str]] = {}
BROKER_DOWN_SECONDS = 30


def _record(task, reason: str) -> None:
    log.warning("Could not queue %s (the periodic sweep will catch up): %s", task.name, reason)
    failures = _failures.get()
    if failures is not None:
        failures.append(EnqueueFailure(task.name, reason))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue the task once the current transaction commits (right away outside one)."""
    transaction.on_commit(partial(enqueue_safely, task, *args, **kwargs))
