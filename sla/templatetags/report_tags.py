"""Template helpers of the report pages: the signed-in client user's report-email choice, and the
SLA alert notice shown on dashboards."""

from django import template
from django.utils import timezone

from accounts.permissions import has_capability
from sla.alerts import open_alert_counts
from sla.reports.selectors import sla_alert_list
from sla.views import email_enabled

register = template.Library()


@register.simple_tag(takes_context=True)
def report_email_enabled(context) -> bool:
    request = context.get("request")
    return bool(request and request.user.is_authenticated and email_enabled(request.user))


@register.inclusion_tag("sla/_sla_alert_notice.html", takes_context=True)
def sla_alert_notice(context):
    """A one-line notice of open SLA alerts in the user's scope, for operations managers, counted
    per month and saying which month each count is of (sla.alerts.open_alert_counts). On a
    page filtered by client (the overview's `client_code`) it counts that client's alerts only, as
    the table beside it does; "this month" is the page's own today (its period) when it has one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "reports.manage"):
        return {"count": 0}

    alerts = sla_alert_list(user=user)
    client_code = context.get("client_code")
    if client_code:
        alerts = alerts.filter(process__client__code__iexact=client_code)
    period = context.get("period")
    today = getattr(period, "today", None) or timezone.localdate()
    months = open_alert_counts(alerts, today=today)
    return {
        "count": sum(m["total"] for m in months),
        "missed": sum(m["missed"] for m in months),
        "months": months,
        "client_code": client_code,
    }
