"""Workforce planning's menu entry (accounts.registry): staffing today, for those who plan."""

from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(label="Staffing", url_name="workforce:staffing", capability="workforce.view", icon="people", order=35)
)
