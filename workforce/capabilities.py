"""What each role may do with workforce planning (accounts.permissions).

ROLES.md names no planning role of its own, so the reading is: planning serves the people who
staff the floor. `workforce.view` (the Erlang calculator now; the staffing figures to come) is
for administrators, operations managers, who run the master data and the dashboards, and team
leaders, who run the floor. Clients and agents may not, and QA analysts, whose work is
evaluations, do not need to: the default is deny.
"""

from accounts.permissions import MANAGERS, register_capabilities
from accounts.scoping import TEAM_LEADER

register_capabilities({"workforce.view": MANAGERS | {TEAM_LEADER}})
