"""What each role may do (ROLES.md), as named capabilities. The default is deny.

Pages and API views name the capability they need (`capability = "agents.view"`, or one per
action); the shared base classes check it before looking anything up, so a role without the
right gets 403 whatever the object, and the object lookup itself is scoped (404 outside).
"""

from accounts.scoping import ADMIN, AGENT, CLIENT, OPS_MANAGER, QA_ANALYST, TEAM_LEADER, effective_role

ALL_ROLES = frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER, QA_ANALYST, AGENT, CLIENT})
STAFF_ROLES = ALL_ROLES - {CLIENT}
MANAGERS = frozenset({ADMIN, OPS_MANAGER})

CAPABILITIES: dict[str, frozenset[str]] = {
    "home.view": ALL_ROLES,
    "account.self": ALL_ROLES,
    "clients.view": ALL_ROLES,
    "clients.manage": MANAGERS,
    "processes.view": ALL_ROLES,
    "processes.manage": MANAGERS,
    "teams.view": STAFF_ROLES,
    "teams.manage": MANAGERS,
    "agents.view": STAFF_ROLES,
    "agents.manage": MANAGERS,
    "users.view": MANAGERS,
    "users.manage": MANAGERS,
    # Raw interactions are the BPO's working data: staff only (agents: their own).
    "interactions.view": STAFF_ROLES,
    "interactions.import": MANAGERS,
    "kpis.view": ALL_ROLES,
    # Dashboards (reporting/views.py). Client users see processes and SLA status, never people
    # unless their client allows names; agents see their own page.
    "dashboards.overview": MANAGERS,
    "dashboards.process": ALL_ROLES - {AGENT},
    "dashboards.team": MANAGERS | {TEAM_LEADER},
    "dashboards.agent": MANAGERS | {TEAM_LEADER, AGENT},
    "dashboards.portal": MANAGERS | {CLIENT},
    "sla.view": ALL_ROLES - {AGENT},
    # Monthly client reports: client users list and download their own; managers run them.
    "reports.view": MANAGERS | {CLIENT},
    "reports.manage": MANAGERS,
    # Work items (ROLES.md): team leaders and managers run the queues, agents work their own.
    "work.view": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER, AGENT}),
    "work.assign": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
    "work.manage": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
    "work.do": frozenset({ADMIN, AGENT}),
    # Quality (quality/): aggregated QA for everyone (client users: their client, no names);
    # evaluation rows for staff (agents: their own; team leaders: their agents').
    "quality.view": ALL_ROLES,
    "quality.evaluations": STAFF_ROLES,
    "quality.evaluate": frozenset({ADMIN, OPS_MANAGER, QA_ANALYST}),
    "quality.manage": frozenset({ADMIN, OPS_MANAGER, QA_ANALYST}),
    "quality.dispute": frozenset({ADMIN, AGENT}),
    "coaching.view": STAFF_ROLES,
    "coaching.manage": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
}


def has_capability(user, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: add it to accounts.permissions.CAPABILITIES.")
    return effective_role(user) in CAPABILITIES[capability]
