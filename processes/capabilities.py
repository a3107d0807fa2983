"""What each role may do with processes and their interactions (accounts.permissions)."""

from accounts.permissions import ALL_ROLES, MANAGERS, STAFF_ROLES, register_capabilities

register_capabilities(
    {
        "processes.view": ALL_ROLES,
        "processes.manage": MANAGERS,
        # Raw interactions are the BPO's working data: staff only (agents: their own).
        "interactions.view": STAFF_ROLES,
        "interactions.import": MANAGERS,
    }
)
