"""The contract-aware plan page (WFM.md): /workforce/<process code>/plan/, with a CSV export of
each of its tables (?export=month, days or intervals). Capability `workforce.view`; the process is
looked up in the caller's scope (404 outside it)."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from processes.models import Process
from workforce import plan as plans

DETAIL_DAYS = 3  # the per-interval detail shown on the page: the next days (all of them in the CSV)
EXPORTS = ("month", "days", "intervals")


def _r(value, digits=2):
    return None if value is None else round(value, digits)


def month_rows(plan: plans.Plan) -> list[tuple[str, object, str]]:
    """The month's figures as (what, value, unit) rows: the page's first table and its CSV."""
    rows = [
        ("Target (service level, at least)", plan.goal, "%"),
        ("Service level month to date", _r(plan.month_to_date_sl), "%"),
        ("SL numerator so far (formula " + plan.process.sl_formula + ")", plan.numerator, "contacts"),
        ("SL denominator so far", plan.denominator, "contacts"),
        ("Offered so far", plan.so_far.get("offered", 0), "contacts"),
        ("Rest of the month from", plan.remaining_from_text, "local and UTC"),
        ("Forecast contacts, rest of the month", _r(plan.remaining_contacts), "contacts"),
        ("Expected remaining SL denominator", _r(plan.remaining_denominator), "contacts"),
        ("Expected month total SL denominator", _r(plan.expected_total), "contacts"),
        ("Required SL, rest of the month", _r(plan.required_sl), "%"),
        ("Best reachable month (every remaining contact in time)", _r(plan.best_month_sl), "%"),
        ("Month-end SL at nominal staffing", _r(plan.projected_nominal_sl), "%"),
        ("Extra agent-hours on the queue (negative: spare)", _r(plan.extra_hours), "agent-hours"),
        ("Extra agent-hours scheduled (with shrinkage)", _r(plan.extra_scheduled_hours), "agent-hours"),
        ("Service credit at stake", float(plan.credit_percent), "% of the month's fee"),
    ]
    if plan.credit_amount is not None:
        rows.append(("Service credit at stake (amount)", plan.credit_amount, plan.currency))
    return rows


DAY_HEADER = ["local date", "forecast contacts", "nominal agent-hours on queue", "required agent-hours on queue",
              "extra agent-hours on queue", "nominal agent-hours scheduled", "required agent-hours scheduled",
              "extra agent-hours scheduled"]  # fmt: skip
INTERVAL_HEADER = ["interval start (local)", "interval start (UTC)", "forecast contacts", "AHT (s)",
                   "traffic (Erlangs)", "nominal agents", "nominal scheduled", "nominal SL (%)",
                   "required agents", "required scheduled", "required SL (%)", "extra agents",
                   "extra scheduled"]  # fmt: skip


def day_rows(plan: plans.Plan) -> list[list]:
    return [
        [d.day.isoformat(), _r(d.contacts), d.nominal_hours, d.required_hours, d.extra_hours,
         d.nominal_scheduled_hours, d.required_scheduled_hours, d.extra_scheduled_hours]
        for d in plan.days
    ]  # fmt: skip


def interval_rows(plan: plans.Plan) -> list[list]:
    return [
        [f"{i.local_start:%Y-%m-%d %H:%M}", f"{i.start:%Y-%m-%d %H:%M}Z", _r(i.contacts), _r(i.aht),
         _r(i.traffic, 4), i.nominal_agents, i.nominal_scheduled, _r(i.nominal_sl), i.required_agents,
         i.required_scheduled, _r(i.required_sl), i.extra_agents, i.extra_scheduled]
        for i in plan.intervals
    ]  # fmt: skip


def _csv(plan: plans.Plan, which: str) -> HttpResponse:
    handle = io.StringIO()
    writer = SafeCsvWriter(handle)
    if which == "month":
        writer.writerow(["figure", "value", "unit"])
        writer.writerows(month_rows(plan))
    elif which == "days":
        writer.writerow(DAY_HEADER)
        writer.writerows(day_rows(plan))
    else:
        writer.writerow(INTERVAL_HEADER)
        writer.writerows(interval_rows(plan))
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"plan-{plan.process.code}-{plan.month_start:%Y-%m}-{which}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class PlanView(ScopedMixin, TemplateView):
    """The plan to end the running month at the service-level target."""

    capability = "workforce.view"
    template_name = "workforce/plan.html"
    model = Process

    def get(self, request, *args, **kwargs):
        scope = Process.objects.visible_to(request.user).select_related("client")
        self.process = get_object_or_404(scope, code__iexact=kwargs["code"])
        self.plan = plans.build(self.process)
        which = request.GET.get("export")
        if which is not None:
            if which not in EXPORTS:
                return HttpResponseBadRequest(f"export must be one of {', '.join(EXPORTS)}, not {which[:40]!r}.")
            if self.plan is None:
                raise Http404("This process has no service-level target: there is no plan to export.")
            return _csv(self.plan, which)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan
        context.update(process=self.process, plan=plan, detail_days=DETAIL_DAYS)
        if plan is not None:
            context.update(
                month_rows=month_rows(plan),
                detail=plan.days[:DETAIL_DAYS],
                cases={"safe": plans.SAFE, "unreachable": plans.UNREACHABLE, "plan": plans.PLAN},
            )
        return context
