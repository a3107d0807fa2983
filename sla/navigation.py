"""SLA's menu entry (accounts.registry): the monthly client reports, for those who run them."""

from accounts.registry import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        label="Reports",
        url_name="reports:list",
        capability="reports.manage",
        icon="file-earmark-bar-graph",
        group="operations",
        order=40,
    )
)
