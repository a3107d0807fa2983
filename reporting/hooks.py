"""What the KPI engine tells the apps above it, without importing them: an app registers a
callback here (from its AppConfig.ready), the engine's tasks run the callbacks.

    after_recompute(callback)   callback(result) in the task `reporting.recompute_marked_kpis`,
                                after a recompute that covered at least one process; `result`
                                is engine.recompute_marked's dict. A callback that queues a task
                                does it with `enqueue_on_commit` (at once outside a transaction).
"""

from __future__ import annotations

from bpo_portal.hooks import Hook

_AFTER_RECOMPUTE = Hook("reporting: after recompute")
# Register `callback(result)` (once: registering it again changes nothing); returns it.
after_recompute = _AFTER_RECOMPUTE.register
# Run the after-recompute callbacks with the recompute's result, in the order they were registered.
recomputed = _AFTER_RECOMPUTE.fire
