"""Readable numbers on dashboards: units, thousands separators, and "—" for undefined figures."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

UNITS = {
    "service_level": "%",
    "abandon_rate": "%",
    "fcr": "%",
    "csat": "%",
    "tat_compliance": "%",
    "aht": "s",
    "asa": "s",
    "qa_score": "",
    "csat_mean": "",
}
DIGITS = {"aht": 0, "asa": 1, "csat_mean": 2, "qa_score": 1}
STATE_CLASSES = {"met": "kpi-met", "at_risk": "kpi-risk", "missed": "kpi-missed", "undefined": "kpi-undefined"}


def _number(value, digits: int) -> str:
    if digits == 0:
        return intcomma(round(value))
    text = f"{value:,.{digits}f}"
    return text


def _duration(seconds: float) -> str:
    """Long averages (email ASA, back-office handle times) in minutes or hours."""
    seconds = round(seconds)
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds / 86400:.1f} days"


@register.filter
def kpi(value, metric: str) -> str:
    """`{{ value|kpi:"service_level" }}` → "81.4 %"; None → "—"."""
    if value is None or value == "":
        return "—"
    unit = UNITS.get(metric)
    if unit is None:  # counts
        return intcomma(round(value))
    if unit == "s" and abs(value) >= 1000:
        return _duration(float(value))
    text = _number(float(value), DIGITS.get(metric, 1))
    return f"{text} {unit}".strip() if unit else text


@register.filter
def count(value) -> str:
    if value is None:
        return "—"
    return intcomma(round(value))


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
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + kpi(abs(value), metric)


@register.simple_tag
def qs(base: dict, **changes) -> str:
    """The page's filter query string with some keys changed (None or "" removes one)."""
    from reporting.filters import querystring

    return querystring(base, **changes)


@register.simple_tag
def grid_cells(row, query: str = ""):
    """A process grid row's figure cells (reporting.dashboards.GridRow.cells_html)."""
    return row.cells_html(query or "")
