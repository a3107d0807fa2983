"""Template helpers of the dashboard pages only (the figures' formatting is `kpi_format`, which
the report pages load too)."""

from django import template

from dashboards.filters import querystring

register = template.Library()


@register.simple_tag
def qs(base: dict, **changes) -> str:
    """The page's filter query string with some keys changed (None or "" removes one)."""
    return querystring(base, **changes)


@register.simple_tag
def grid_cells(row, query: str = ""):
    """A process grid row's figure cells (dashboards.selectors.GridRow.cells_html)."""
    return row.cells_html(query or "")
