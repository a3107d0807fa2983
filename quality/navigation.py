"""Quality's menu entry (accounts.registry). The unread-notification badge is a nav counter,
registered in QualityConfig.ready()."""

from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(label="Quality", url_name="quality:home", capability="quality.view", icon="clipboard-check", order=40)
)
