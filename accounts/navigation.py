"""The menu's frame and accounts' own entries (accounts.registry).

The two groups are declared here because the menu is accounts': the apps place their entries in
them by key. Top level, by `order`: Home 10, Dashboard 20, Operations 30, Quality 40, Master
data 50.
"""

from accounts.permissions import MANAGERS
from accounts.registry import NavEntry, NavGroup, register_nav_entry, register_nav_group

register_nav_group(NavGroup(key="operations", label="Operations", icon="kanban", order=30))
register_nav_group(NavGroup(key="master_data", label="Master data", icon="database", order=50))

register_nav_entry(NavEntry(label="Home", url_name="home", capability="home.view", icon="house", order=10))
# The platform's API documentation (bpo_portal.urls; bpo_portal is not an app): for the roles
# that use the API.
register_nav_entry(
    NavEntry(
        label="API documentation",
        url_name="api-docs",
        capability="home.view",
        icon="braces",
        group="operations",
        order=90,
        roles=MANAGERS,
    )
)
register_nav_entry(
    NavEntry(
        label="Users",
        url_name="accounts:user_list",
        capability="users.view",
        icon="person-gear",
        group="master_data",
        order=90,
    )
)
