"""What each role may do (ROLES.md), as named capabilities. The default is deny.

Pages and API views name the capability they need (`capability = "agents.view"`, or one per
action); the shared base classes check it before looking anything up, so a role without the
right gets 403 whatever the object, and the object lookup itself is scoped (404 outside).

Each app declares the capabilities of its own pages in `<app>/capabilities.py`, a call of
`register_capabilities` (accounts' own are in accounts/capabilities.py). Accounts imports that
module of every installed app at start-up (AccountsConfig.ready, like Django's admin.py), so it
knows the names without knowing the apps.
"""

from django.core.exceptions import ImproperlyConfigured

from accounts.scoping import ADMIN, AGENT, CLIENT, OPS_MANAGER, QA_ANALYST, TEAM_LEADER, effective_role

ALL_ROLES = frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER, QA_ANALYST, AGENT, CLIENT})
STAFF_ROLES = ALL_ROLES - {CLIENT}
MANAGERS = frozenset({ADMIN, OPS_MANAGER})

# capability name → the effective roles that have it; filled by the apps' capabilities.py.
CAPABILITIES: dict[str, frozenset[str]] = {}


def register_capabilities(capabilities: dict[str, frozenset[str]]) -> None:
    """Declare capabilities (name → roles). A name is declared once: declaring it again with
    other roles is a mistake in the code, refused at start-up."""
    for name, roles in capabilities.items():
        roles = frozenset(roles)
        unknown = roles - ALL_ROLES
        if unknown:
            raise ImproperlyConfigured(f"Capability {name!r} names unknown roles {sorted(unknown)}.")
        if CAPABILITIES.get(name, roles) != roles:
            raise ImproperlyConfigured(f"Capability {name!r} is declared twice with different roles.")
        CAPABILITIES[name] = roles


def has_capability(user, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: declare it in its app's capabilities.py.")
    return effective_role(user) in CAPABILITIES[capability]
