"""Agents' menu entries (accounts.registry). Agents may open their own agent page, but the lists
are not in their menu."""

from accounts.permissions import MANAGERS
from accounts.registry import NavEntry, register_nav_entry
from accounts.scoping import QA_ANALYST, TEAM_LEADER

register_nav_entry(
    NavEntry(
        label="Teams",
        url_name="agents:team_list",
        capability="teams.view",
        icon="people",
        group="master_data",
        order=30,
        roles=MANAGERS | {TEAM_LEADER},
    )
)
register_nav_entry(
    NavEntry(
        label="Agents",
        url_name="agents:list",
        capability="agents.view",
        icon="person-badge",
        group="master_data",
        order=40,
        roles=MANAGERS | {TEAM_LEADER, QA_ANALYST},
    )
)
