"""Figures in their units, for every page: `{% load units %}`. The formatting lives in
bpo_portal.units (one rule for pages, PDF, XLSX and CSV) and the metrics' labels, units and
words in bpo_portal.metrics; these are their template faces.

    {{ 1145|duration }}                                 → "19:05"
    {{ 81.44|percent }}   {{ -2.94|pp }}                → "81.4 %"   "−2.9 pp"
    {{ value|figure:"score" }}                          → "92.3"
    {{ ">="|comparator }}                               → "≥"
    {{ client.monthly_fee|money:client.currency }}      → "USD 12,500.00"
    {{ "aht"|metric_label }}                            → "Average handle time"
    {% target t.comparator t.target t.metric %}         → "≤ 5:00"
    {% formula "service_level" process %}               → "answered within 20 s ÷ (answered + abandoned)"
"""

from django import template

from bpo_portal import metrics, units

register = template.Library()


@register.filter
def duration(seconds) -> str:
    return units.duration(seconds)


@register.filter
def percent(value) -> str:
    return units.percent(value)


@register.filter
def contract_percent(value) -> str:
    """A contractual rate (a credit, a cap) never rounded away: 2.25 → "2.25 %", 3 → "3.0 %"."""
    return units.percent(value, exact=True)


@register.filter
def pp(value) -> str:
    return units.pp(value)


@register.filter
def figure(value, unit: str) -> str:
    return units.figure(value, unit)


@register.filter
def comparator(value) -> str:
    return units.comparator(value)


@register.filter
def money(amount, currency=None) -> str:
    return units.money(amount, currency)


@register.filter
def metric_label(metric: str) -> str:
    return metrics.label(metric)


@register.simple_tag
def target(comparator_value, value, metric: str) -> str:
    """A target as read: "≥ 80.0 %", "≤ 0:30"."""
    return metrics.metric_target(comparator_value, value, metric)


@register.simple_tag
def formula(metric: str, process=None) -> str:
    """A metric's formula in words, with the process's thresholds."""
    definition = metrics.METRICS.get(metric)
    return definition.words(process) if definition else ""
