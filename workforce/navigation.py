"""Workforce planning's menu entry (accounts.registry): staffing today, for those who plan, in the
Operations menu (a top-level entry made the managers' bar overflow 1280 px by a pixel)."""

from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        label="Staffing",
        url_name="workforce:staffing",
        capability="workforce.view",
        icon="people",
        group="operations",
        order=15,
    )
)
