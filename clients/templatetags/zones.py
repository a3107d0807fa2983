"""Times with their zone, for every page: `{% load zones %}`.

    {% zoned item.arrived_at item.process.timezone %}        → <time …>2026-12-01 09:05 EST</time>
    {% zoned job.created_at fmt="j M Y H:i" %}                → in the portal's TIME_ZONE, labelled
    {{ item.due_at|in_zone:item.process.timezone }}           → "2026-12-01 09:05 EST" (plain text)
    {{ process.timezone|zone_label }}                         → "America/New_York (EST, UTC−05:00)"
    {% local_days_rule zones %}                               → "local days of each process (…)"

The formatting lives in bpo_portal.timezones; these are its template faces.
"""

from datetime import datetime

from django import template
from django.utils import dateformat
from django.utils.html import format_html

from bpo_portal import timezones

register = template.Library()

DEFAULT_FORMAT = "Y-m-d H:i"


def _text(value, tz_name, fmt) -> str:
    local = timezones.in_zone(value, tz_name or None)
    return f"{dateformat.format(local, fmt or DEFAULT_FORMAT)} {timezones.zone_abbreviation(local, tz_name or None)}"


@register.filter
def in_zone(value, tz_name=None) -> str:
    """A moment as wall-clock time in `tz_name` (the portal's zone when empty) with the zone's
    abbreviation; "—" for no moment."""
    if not isinstance(value, datetime):
        return "—" if value in (None, "") else value
    return _text(value, tz_name, DEFAULT_FORMAT)


@register.simple_tag
def zoned(value, tz_name=None, fmt=DEFAULT_FORMAT, empty="—"):
    """A moment as `<time>` in `tz_name` (the portal's zone when None) with the zone's
    abbreviation after it and the full zone name as its tooltip."""
    if not isinstance(value, datetime):
        return empty if value in (None, "") else value
    local = timezones.in_zone(value, tz_name or None)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        timezones.zone_label(tz_name or None, at=value),
        _text(value, tz_name, fmt),
    )


@register.filter
def zone_label(tz_name) -> str:
    return timezones.zone_label(tz_name or None)


@register.simple_tag
def portal_zone_label() -> str:
    """The portal's TIME_ZONE with its abbreviation and offset now."""
    return timezones.zone_label(None)


@register.simple_tag
def portal_zone() -> str:
    """The portal's TIME_ZONE, for headings of times that belong to no process."""
    return timezones.portal_zone()


@register.simple_tag
def local_days_rule(zones) -> str:
    return timezones.local_days_rule(zones or [])


@register.simple_tag
def zones_of(objects) -> list[str]:
    """The distinct time zones of processes (or clients), sorted: `{% zones_of processes as zs %}`."""
    return sorted({obj.timezone for obj in objects or []})
