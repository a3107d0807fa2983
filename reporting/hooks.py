"""What the KPI engine tells the apps above it, without importing them: an app registers a
callback here (from its AppConfig.ready), the engine's tasks run the callbacks.

    after_recompute(callback)   callback(result) in the task `reporting.recompute_marked_kpis`,
                                after a recompute that covered at least one process; `result`
                                is engine.recompute_marked's dict. A callback that queues a task
                                does it with `enqueue_on_commit` (at once outside a transaction).
"""

from __future__ import annotations

from collections.abc import Callable

_after_recompute: list[Callable[[dict], None]] = []


def after_recompute(callback: Callable[[dict], None]) -> Callable[[dict], None]:
    """Register `callback` (once: registering it again changes nothing); returns it."""
    if callback not in _after_recompute:
        _after_recompute.append(callback)
    return callback


def recomputed(result: dict) -> None:
    """Run the after-recompute callbacks, in the order they were registered."""
    for callback in list(_after_recompute):
        callback(result)
