"""What each role may do with SLA status and the monthly client reports (accounts.permissions):
client users list and download their own reports; managers run them."""

from accounts.permissions import ALL_ROLES, MANAGERS, register_capabilities
from accounts.scoping import AGENT, CLIENT

register_capabilities(
    {
        "sla.view": ALL_ROLES - {AGENT},
        "reports.view": MANAGERS | {CLIENT},
        "reports.manage": MANAGERS,
    }
)
