"""Who may start and follow recompute runs (accounts.permissions): administrators only. A run
rewrites every tenant's stored figures, so it is the operator's tool, not a client manager's."""

from accounts.permissions import register_capabilities
from accounts.scoping import ADMIN

register_capabilities({"recompute.run": frozenset({ADMIN})})
