"""Processes' menu entries (accounts.registry): the imports and the process list."""

from accounts.permissions import MANAGERS
from accounts.registry import NavEntry, register_nav_entry
from accounts.scoping import QA_ANALYST, TEAM_LEADER

register_nav_entry(
    NavEntry(
        label="Imports",
        url_name="processes:imports",
        capability="interactions.import",
        icon="upload",
        group="operations",
        order=30,
    )
)
register_nav_entry(
    NavEntry(
        label="Processes",
        url_name="processes:list",
        capability="processes.view",
        icon="diagram-3",
        group="master_data",
        order=20,
        roles=MANAGERS | {TEAM_LEADER, QA_ANALYST},
    )
)
