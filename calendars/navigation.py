"""Calendars' menu entry (accounts.registry): master data, for managers. Team leaders may read a
calendar (calendars.view) from their processes' pages, without a menu entry."""

from accounts.permissions import MANAGERS
from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        label="Calendars",
        url_name="calendars:list",
        capability="calendars.view",
        icon="calendar-week",
        group="master_data",
        order=25,
        roles=MANAGERS,
    )
)
