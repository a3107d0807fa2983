"""Dashboards' menu entry (accounts.registry): each role's own dashboard."""

from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(label="Dashboard", url_name="dashboards:mine", capability="kpis.view", icon="speedometer2", order=20)
)
