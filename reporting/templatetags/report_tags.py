"""Template helpers of the report pages: the signed-in client user's report-email choice, and the
SLA alert notice shown on dashboards."""

from django import template

from accounts.permissions import has_capability

register = template.Library()


@register.simple_tag(takes_context=True)
def report_email_enabled(context) -> bool:
    from reporting.report_views import email_enabled

    request = context.get("request")
    return bool(request and request.user.is_authenticated and email_enabled(request.user))


@register.inclusion_tag("reporting/_sla_alert_notice.html", takes_context=True)
def sla_alert_notice(context):
    """A one-line notice of open SLA alerts in the user's scope, for operations managers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "reports.manage"):
        return {"count": 0}
    from reporting.reports.selectors import sla_alert_list

    alerts = sla_alert_list(user=user)
    return {"count": alerts.count(), "missed": alerts.filter(state="missed").count()}
