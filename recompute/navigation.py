"""Recompute's menu entry (accounts.registry): Operations → Recompute, for administrators."""

from accounts.registry import NavEntry, register_nav_entry
from accounts.scoping import ADMIN

register_nav_entry(
    NavEntry(
        label="Recompute",
        url_name="recompute:list",
        capability="recompute.run",
        icon="arrow-repeat",
        group="operations",
        order=80,
        roles=frozenset({ADMIN}),
    )
)
