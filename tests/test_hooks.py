"""The hooks by which a lower app triggers the apps above it (bpo_portal/hooks.py), and that the
two the portal has are wired at start-up."""

from bpo_portal.hooks import Hook
from processes import ledger
from reporting import hooks
from reporting.tasks import queue_recompute
from sla.tasks import evaluate_sla_alerts_after_recompute


def test_a_callback_registers_once_and_callbacks_run_in_order():
    hook, calls = Hook("test"), []
    first = hook.register(lambda value: calls.append(("first", value)))
    hook.register(first)
    hook.register(lambda value: calls.append(("second", value)))
    hook.fire(7)
    assert calls == [("first", 7), ("second", 7)]


def test_the_engine_and_sla_are_registered_on_the_hooks_below_them():
    assert queue_recompute in ledger._DAYS_MARKED._callbacks
    assert evaluate_sla_alerts_after_recompute in hooks._AFTER_RECOMPUTE._callbacks
