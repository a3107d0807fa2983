"""What each role may do in accounts' own pages: the home page, one's own account, the logins."""

from accounts.permissions import ALL_ROLES, MANAGERS, register_capabilities

register_capabilities(
    {
        "home.view": ALL_ROLES,
        "account.self": ALL_ROLES,
        "users.view": MANAGERS,
        "users.manage": MANAGERS,
    }
)
