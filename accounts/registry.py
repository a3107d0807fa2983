"""What the apps above `accounts` contribute to the pages it owns (the navigation and the home page).

`accounts` is the lowest app: it knows no figures, work items or evaluations. The apps that own
them register, in their AppConfig.ready(), a counter for the navigation (e.g. unread
notifications) and the sections of each role's home page (a template partial of the owning app
plus a function that builds its context). `accounts` renders whatever is registered, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# name → function(user) → int; shown as a badge in the navigation.
_NAV_COUNTERS: dict[str, Callable] = {}
_HOME_SECTIONS: dict[str, HomeSection] = {}


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
