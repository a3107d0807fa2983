"""What each role may do with the dashboards (accounts.permissions). Client users see processes
and SLA status, never people unless their client allows names; agents see their own page."""

from accounts.permissions import ALL_ROLES, MANAGERS, register_capabilities
from accounts.scoping import AGENT, CLIENT, TEAM_LEADER

register_capabilities(
    {
        "dashboards.overview": MANAGERS,
        "dashboards.process": ALL_ROLES - {AGENT},
        "dashboards.team": MANAGERS | {TEAM_LEADER},
        "dashboards.agent": MANAGERS | {TEAM_LEADER, AGENT},
        "dashboards.portal": MANAGERS | {CLIENT},
    }
)
