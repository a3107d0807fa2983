"""Readable numbers on pages: every figure through `bpo_portal.units` (one formatting for pages,
PDF, XLSX and CSV), thousands separators, and "—" for undefined figures.

    {{ value|kpi:"aht" }}                      → "19:05"        (the metric's unit)
    {{ t.gap|signed:t.metric }}                → "−2.9 pp"      (a gap, positive on the good side)
    {% target t.target.comparator t.target.target t.metric %}  → "≥ 80.0 %"
    {{ seconds|duration }}  {{ rate|percent }}  {{ ">="|comparator }}  {{ fee|money:client.currency }}
    {% formula "service_level" process %}      → "answered within 20 s ÷ (answered + abandoned)"
"""

from django import template

from bpo_portal import units

register = template.Library()

STATE_CLASSES = {"met": "kpi-met", "at_risk": "kpi-risk", "missed": "kpi-missed", "undefined": "kpi-undefined"}


@register.filter
def kpi(value, metric: str) -> str:
    """`{{ value|kpi:"service_level" }}` → "81.4 %"; None → "—"; a count → "1,234"."""
    if value is None or value == "":
        return units.DASH
    return units.metric_figure(value, metric)


@register.filter
def duration(seconds) -> str:
    """`{{ 1145|duration }}` → "19:05"."""
    return units.duration(seconds)


@register.filter
def percent(value) -> str:
    return units.percent(value)


@register.filter
def pp(value) -> str:
    return units.pp(value)


@register.filter
def comparator(value) -> str:
    return units.comparator(value)


@register.filter
def money(amount, currency=None) -> str:
    """`{{ client.monthly_fee|money:client.currency }}` → "USD 12,500.00"."""
    return units.money(amount, currency)


@register.simple_tag
def target(comparator_value, value, metric: str) -> str:
    """A target as read: "≥ 80.0 %", "≤ 0:30"."""
    return units.metric_target(comparator_value, value, metric)


@register.simple_tag
def formula(metric: str, process=None) -> str:
    """A metric's formula in words, with the process's thresholds."""
    definition = units.METRICS.get(metric)
    return definition.words(process) if definition else ""


@register.filter
def metric_label(metric: str) -> str:
    definition = units.METRICS.get(metric)
    return definition.label if definition else units.COUNT_LABELS.get(metric, metric)


@register.filter
def count(value) -> str:
    return units.count(value)


@register.filter
def state_class(state) -> str:
    return STATE_CLASSES.get(state or "", "")


@register.filter
def get(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def signed(value, metric: str) -> str:
    """A gap from a target: percentage points for rates ("−2.9 pp"), signed durations, points."""
    return units.metric_gap(value, metric)


@register.simple_tag
def qs(base: dict, **changes) -> str:
    """The page's filter query string with some keys changed (None or "" removes one)."""
    from reporting.filters import querystring

    return querystring(base, **changes)


@register.simple_tag
def grid_cells(row, query: str = ""):
    """A process grid row's figure cells (reporting.dashboards.GridRow.cells_html)."""
    return row.cells_html(query or "")
