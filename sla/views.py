"""Report pages: the staff list (status, versions, regenerate, SLA alerts) and a report's detail
(versions with who/when, downloads, every figure linked to the interactions behind it); the
client portal shows the client's reports through `_portal_reports.html`."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View

from bpo_portal import units
from bpo_portal.pages import ScopedMixin
from clients.models import Client
from processes.models import Process
from reporting import periods
from sla import compliance
from sla.models import Report, ReportEmailPreference
from sla.reports import selectors
from sla.reports.data import REPORT_METRICS, fmt
from sla.reports.render import interactions_url
from sla.reports.services import report_email_preference_set, report_request


class ReportRequestForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), to_field_name="code")
    month = forms.CharField(help_text="YYYY-MM", widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user).order_by("code")

    def clean_month(self):
        try:
            return periods.parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def _last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


class ReportListView(ScopedMixin, TemplateView):
    """All reports in scope with status and current version; generate one for any month."""

    capability = "reports.manage"
    model = Report
    template_name = "sla/report_list.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        reports = selectors.report_list(user=user)
        client_code = self.request.GET.get("client", "")
        if client_code:
            reports = reports.filter(client__code__iexact=client_code)
        reports = list(reports[:500])
        # Staff only (this page needs reports.manage): which issued reports no longer match the
        # figures now, computed once per month for all rows (selectors.report_drifts).
        drifts = selectors.report_drifts(reports)
        for report in reports:
            report.drift = drifts.get(report.pk)
        context.update(
            reports=reports,
            drifted=len(drifts),
            form=form or ReportRequestForm(user=user, initial={"month": f"{_last_month():%Y-%m}"}),
            alerts=selectors.sla_alert_list(user=user)[:100],
            clients=Client.objects.visible_to(user).order_by("code"),
            client_code=client_code,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = ReportRequestForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        report = report_request(
            client=form.cleaned_data["client"], month=form.cleaned_data["month"], actor=request.user, trigger="manual"
        )
        report.refresh_from_db()
        messages.success(
            request, f"Report {report} queued." if report.status != "ready" else f"Report {report} generated."
        )
        return redirect("reports:detail", pk=report.pk)


class ReportDetailView(ScopedMixin, TemplateView):
    capability = "reports.manage"
    model = Report
    template_name = "sla/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            report = selectors.report_get(user=user, pk=self.kwargs["pk"])
        except Report.DoesNotExist:
            raise Http404 from None
        start, end = periods.month_bounds(report.month)
        rows = []

        processes = Process.objects.visible_to(user).filter(client=report.client).order_by("code")
        for pm in compliance.process_months(processes, report.month):
            link = interactions_url(pm.process.code, start, end)
            targets = {t.metric: t for t in pm.targets}
            figures = []
            for definition in REPORT_METRICS:
                metric, unit = definition.key, definition.unit
                t = targets.get(metric)
                figures.append(
                    {
                        "metric": metric,
                        "label": definition.label,
                        "value": fmt(pm.figures[metric], unit),
                        "target": units.target(t.target.comparator, t.target.target, unit) if t else "",
                        "status": t.status if t else "",
                        "status_label": t.label if t else "",
                        "url": link,
                    }
                )
            rows.append({"process": pm.process, "figures": figures, "offered": pm.components["offered"], "url": link})
        report.drift = selectors.report_drift(report)
        context.update(
            report=report,
            drift=report.drift,
            versions=selectors.report_versions(user=user, report=report),
            downloads=selectors.report_downloads(user=user, report=report),
            rows=rows,
        )
        return context


class ReportRegenerateView(ScopedMixin, View):
    """POST: generate a new version of a report (the current one stays served until it is done)."""

    capability = "reports.manage"
    model = Report

    def get(self, request, pk):
        try:
            report = selectors.report_get(user=request.user, pk=pk)
        except Report.DoesNotExist:
            raise Http404 from None
        return render(
            request,
            "sla/report_confirm.html",
            {
                "title": f"Regenerate {report.client.code} {report.month:%B %Y}",
                "text": "A new version is generated from the current figures; the current version stays served "
                "until the new one is complete, and remains in the version history.",
                "button": "Regenerate",
                "fields": [],
                "cancel_url": reverse("reports:detail", kwargs={"pk": report.pk}),
            },
        )

    def post(self, request, pk):
        try:
            report = selectors.report_get(user=request.user, pk=pk)
        except Report.DoesNotExist:
            raise Http404 from None
        report = report_request(client=report.client, month=report.month, actor=request.user, trigger="manual")
        messages.success(request, f"Regeneration of {report} requested.")
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("reports:detail", pk=report.pk)


class ReportEmailPreferenceView(ScopedMixin, View):
    """POST: turn the "new report ready" email on or off for the signed-in user."""

    capability = "reports.view"

    def get(self, request):
        enabled = email_enabled(request.user)
        return render(
            request,
            "sla/report_confirm.html",
            {
                "title": "Report emails",
                "text": "You are emailed when a new monthly report is ready."
                if enabled
                else "You are not emailed about new monthly reports.",
                "button": "Turn off" if enabled else "Email me",
                "fields": [("enabled", "0" if enabled else "1")],
                "cancel_url": _portal_url(),
            },
        )

    def post(self, request):
        enabled = request.POST.get("enabled") == "1"
        report_email_preference_set(user=request.user, enabled=enabled)
        messages.success(
            request, "You will be emailed when a report is ready." if enabled else "Report emails turned off."
        )
        return redirect(_portal_url())


def _portal_url():
    return reverse("dashboards:portal") + "#reports"


def email_enabled(user) -> bool:
    preference = ReportEmailPreference.objects.filter(user=user).first()
    return preference is None or preference.enabled
