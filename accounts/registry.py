"""What the apps above `accounts` contribute to the pages it owns (the navigation and the home page).

`accounts` is the lowest app: it knows no figures, work items or evaluations. The apps that own
them register:

- their menu entries, in `<app>/navigation.py` (imported at start-up by AccountsConfig.ready,
  like Django's admin.py): each entry names its URL, the capability that opens the page, and
  where it goes (top level, or one of the groups accounts/navigation.py declares, by `order`);
- in their AppConfig.ready(), a counter for the navigation (e.g. unread notifications) and the
  sections of each role's home page (a template partial of the owning app plus a function that
  builds its context).

`accounts` renders whatever is registered, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# name → function(user) → int; shown as a badge in the navigation.
_NAV_COUNTERS: dict[str, Callable] = {}
_HOME_SECTIONS: dict[str, HomeSection] = {}
_NAV_GROUPS: dict[str, NavGroup] = {}
_NAV_ENTRIES: dict[str, NavEntry] = {}


@dataclass(frozen=True)
class NavGroup:
    """A dropdown of the menu (e.g. "Master data"), placed among the top-level entries by
    `order`. Shown only when one of its entries is; with exactly one, as that entry."""

    key: str
    label: str
    icon: str
    order: int


@dataclass(frozen=True)
class NavEntry:
    """One entry of the menu.

    `url_name`: the page (reversed when the menu is built); `capability`: the one the page needs,
    so that a role never gets an entry it cannot open (ROLES.md); `roles`: None for every role
    with the capability, or fewer, to keep the menu to what a role works with (an agent may open
    their own agent page, but "Agents" is not in their menu); `group`: the key of a NavGroup, or
    None for the top level; `order`: lower first, among the top level or within the group.
    """

    label: str
    url_name: str
    capability: str
    icon: str
    order: int
    group: str | None = None
    roles: frozenset[str] | None = None


@dataclass(frozen=True)
class HomeSection:
    """One block of a role's home page.

    `roles`: the effective roles that get it; `template`: the owning app's partial, rendered with
    the page context plus `section` (what `context` returned); `context(request)`: the section's
    data, or None to leave the section out for this user (e.g. nothing linked to their login);
    `order`: lower first; `width`: Bootstrap columns out of 12 at large widths.
    """

    key: str
    roles: frozenset[str]
    template: str
    context: Callable
    order: int = 100
    width: int = 12


def register_nav_group(group: NavGroup) -> None:
    """Register (or replace, by key) a group of the menu."""
    _NAV_GROUPS[group.key] = group


def register_nav_entry(entry: NavEntry) -> None:
    """Register (or replace, by URL name) an entry of the menu."""
    _NAV_ENTRIES[entry.url_name] = entry


def navigation_tree() -> list[NavEntry | tuple[NavGroup, list[NavEntry]]]:
    """The whole menu in order: top-level entries and (group, its entries) pairs. A group with no
    entry registered is left out; an entry naming an unknown group is a mistake, refused."""
    unknown = {entry.group for entry in _NAV_ENTRIES.values()} - set(_NAV_GROUPS) - {None}
    if unknown:
        raise KeyError(f"Menu entries name unregistered groups {sorted(unknown)}.")
    members = {
        key: sorted((e for e in _NAV_ENTRIES.values() if e.group == key), key=lambda e: (e.order, e.label))
        for key in _NAV_GROUPS
    }
    nodes = [(entry.order, entry.label, entry) for entry in _NAV_ENTRIES.values() if entry.group is None]
    nodes += [(group.order, group.label, (group, members[key])) for key, group in _NAV_GROUPS.items() if members[key]]
    return [node for _, _, node in sorted(nodes, key=lambda n: (n[0], n[1]))]


def register_nav_counter(name: str, counter: Callable) -> None:
    _NAV_COUNTERS[name] = counter


def nav_counts(user) -> dict[str, int]:
    return {name: counter(user) for name, counter in _NAV_COUNTERS.items()}


def register_home_section(section: HomeSection) -> None:
    """Register (or replace, by key) a home section."""
    _HOME_SECTIONS[section.key] = section


def home_sections(request, role: str) -> list[dict]:
    """The sections `role` gets, in order, each as {"key", "template", "width", "data"}."""
    result = []
    for section in sorted(_HOME_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if role not in section.roles:
            continue
        data = section.context(request)
        if data is None:
            continue
        result.append({"key": section.key, "template": section.template, "width": section.width, "data": data})
    return result
