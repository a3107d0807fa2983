"""What each role may do with teams and agents (accounts.permissions)."""

from accounts.permissions import MANAGERS, STAFF_ROLES, register_capabilities

register_capabilities(
    {
        "teams.view": STAFF_ROLES,
        "teams.manage": MANAGERS,
        "agents.view": STAFF_ROLES,
        "agents.manage": MANAGERS,
    }
)
