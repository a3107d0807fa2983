from django import template
from django.utils.html import format_html

register = template.Library()


def _span(seconds: int) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


@register.simple_tag
def sla_timer(item, seconds_left, soon_hours=2):
    """Time left until due, green / amber (due within `soon_hours`) / red when overdue; a closed
    item shows nothing. `data-due` lets work.js keep the timer ticking."""
    if not item.is_open:
        return ""
    if seconds_left < 0:
        css, text = "text-danger fw-semibold", f"overdue {_span(seconds_left)}"
    elif seconds_left < soon_hours * 3600:
        css, text = "text-warning-emphasis fw-semibold", f"{_span(seconds_left)} left"
    else:
        css, text = "text-success", f"{_span(seconds_left)} left"
    return format_html(
        '<span class="sla-timer {}" data-due="{}" data-soon="{}">{}</span>',
        css,
        item.due_at.isoformat(),
        soon_hours * 3600,
        text,
    )


@register.filter
def age(item, now):
    """How long ago the item was received."""
    return _span((now - item.received_at).total_seconds())


@register.filter
def duration(seconds):
    return _span(seconds or 0)


STATUS_BADGES = {
    "new": "text-bg-info",
    "assigned": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "on_hold": "text-bg-secondary",
    "done": "text-bg-success",
    "cancelled": "text-bg-light border",
}
PRIORITY_BADGES = {1: "text-bg-light border", 2: "text-bg-light border", 3: "text-bg-warning", 4: "text-bg-danger"}


@register.simple_tag
def status_badge(status, label):
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(status, "text-bg-light"), label)


@register.simple_tag
def priority_badge(item):
    return format_html(
        '<span class="badge {}">{}</span>', PRIORITY_BADGES.get(item.priority, ""), item.get_priority_display()
    )
