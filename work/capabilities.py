"""What each role may do with work items (ROLES.md, accounts.permissions): team leaders and
managers run the queues, agents work their own."""

from accounts.permissions import register_capabilities
from accounts.scoping import ADMIN, AGENT, OPS_MANAGER, TEAM_LEADER

register_capabilities(
    {
        "work.view": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER, AGENT}),
        "work.assign": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
        "work.manage": frozenset({ADMIN, OPS_MANAGER, TEAM_LEADER}),
        "work.do": frozenset({ADMIN, AGENT}),
    }
)
