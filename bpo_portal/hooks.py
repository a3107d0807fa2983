"""How a lower app tells the apps above it that something happened, without importing them: it
owns a `Hook`, an app above registers a callback on it from its AppConfig.ready, and the lower
app fires it (docs/architecture.md, "Layers").

    DAYS_MARKED = Hook("processes.ledger: days marked")
    DAYS_MARKED.register(callback)      # once: registering it again changes nothing
    DAYS_MARKED.fire(process_ids)       # every callback, in the order registered
"""

from __future__ import annotations

from collections.abc import Callable


class Hook:
    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._callbacks)} callbacks>"

    def register(self, callback: Callable) -> Callable:
        """Register `callback` (once: registering it again changes nothing); returns it."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def fire(self, *args) -> None:
        """Run the callbacks with `args`, in the order they were registered."""
        for callback in list(self._callbacks):
            callback(*args)
