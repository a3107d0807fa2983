"""What each role may do with clients (accounts.permissions)."""

from accounts.permissions import ALL_ROLES, MANAGERS, register_capabilities

register_capabilities({"clients.view": ALL_ROLES, "clients.manage": MANAGERS})
