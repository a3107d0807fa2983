"""Clients' menu entry (accounts.registry): managers only; other roles reach their client through
its processes."""

from accounts.permissions import MANAGERS
from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        label="Clients",
        url_name="clients:list",
        capability="clients.view",
        icon="building",
        group="master_data",
        order=10,
        roles=MANAGERS,
    )
)
