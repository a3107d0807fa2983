"""Readable numbers on pages: every figure in its unit of the metric registry
(`bpo_portal.metrics`), formatted by `bpo_portal.units` (one formatting for pages, PDF, XLSX and
CSV), thousands separators, and "—" for undefined figures.

    {{ value|kpi:"aht" }}                      → "19:05"        (the metric's unit)
    {{ t.gap|signed:t.metric }}                → "−2.9 pp"      (a gap, positive on the good side)
    {% target t.target.comparator t.target.target t.metric %}  → "≥ 80.0 %"
    and the unit faces of `{% load units %}` (duration, percent, pp, comparator, money, formula…).
"""

from django import template

from bpo_portal import metrics, units
from clients.templatetags import units as unit_tags

register = template.Library()

STATE_CLASSES = {"met": "kpi-met", "at_risk": "kpi-risk", "missed": "kpi-missed", "undefined": "kpi-undefined"}


@register.filter
def kpi(value, metric: str) -> str:
    """`{{ value|kpi:"service_level" }}` → "81.4 %"; None → "—"; a count → "1,234"."""
    if value is None or value == "":
        return units.DASH
    return metrics.metric_figure(value, metric)


# The unit faces of every page (clients/templatetags/units.py), here too so a dashboard loads one library.
for _name in ("duration", "percent", "contract_percent", "pp", "figure", "comparator", "money", "metric_label"):
    register.filter(_name, getattr(unit_tags, _name))
register.simple_tag(unit_tags.target, name="target")
register.simple_tag(unit_tags.formula, name="formula")


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
    return metrics.metric_gap(value, metric)
