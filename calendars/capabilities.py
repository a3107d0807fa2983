"""What each role may do with service calendars (accounts.permissions).

Calendars are master data (ROLES.md): administrators and operations managers read and write
them, within the clients they see. Team leaders may read the calendars of the clients of their
processes (a calendar explains their queues' turnaround figures); QA analysts, agents and client
users may not (the default is deny; a client sees its TAT figures, not the configuration).
"""

from accounts.permissions import MANAGERS, register_capabilities
from accounts.scoping import TEAM_LEADER

register_capabilities({"calendars.view": MANAGERS | {TEAM_LEADER}, "calendars.manage": MANAGERS})
