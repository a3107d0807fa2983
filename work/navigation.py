"""Work's menu entries (accounts.registry): the queue for those who assign, "My work" for agents."""

from accounts.registry import NavEntry, register_nav_entry
from accounts.scoping import AGENT

register_nav_entry(
    NavEntry(
        label="Work queue", url_name="work:queue", capability="work.assign", icon="kanban", group="operations", order=10
    )
)
register_nav_entry(
    NavEntry(
        label="My work",
        url_name="work:mine",
        capability="work.do",
        icon="check2-square",
        group="operations",
        order=20,
        roles=frozenset({AGENT}),
    )
)
