"""What each role may do in quality (accounts.permissions): aggregated QA for everyone (client
users: their client, no names); evaluation rows for staff (agents: their own; team leaders:
their agents')."""

from accounts.permissions import ALL_ROLES, STAFF_ROLES, register_capabilities
from accounts.scoping import ADMIN, AGENT, OPS_MANAGER, QA_ANALYST, TEAM_LEADER

register_capabilities(
    {
        "quality.view": ALL_ROLES,
        "quality.evaluations": STAFF_ROLES,
        "quality.evaluate": frozenset({ADMIN, OPS_MANAGER, QA_ANALYST}),
        "quality.manage": frozenset({ADMIN, OPS_MANAGER, QA_ANALYST}),
        "quality.dispute": frozenset({ADMIN, AGENT}),
        "coaching.view": STAFF_ROLES,
        "coaching.manage": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
    }
)
