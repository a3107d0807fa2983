"""The staffing pages (WFM.md "Staffing requirement (Erlang C)"): the processes' staffing today,
a process's day per interval and its week (each with a CSV), the Erlang what-if calculator and
a process's planning settings. Capability `workforce.view` (the settings: `processes.manage`,
master data of managers); processes are looked up in the caller's scope (404 outside it)."""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import FIRST_DATE_YEAR, LAST_DATE_YEAR, parse_calendar_date
from bpo_portal.timezones import zone_abbreviation, zone_label
from processes.models import Process
from sla.compliance import local_today
from workforce import erlang, staffing
from workforce.forms import PlanningSettingsForm, WhatIfForm
from workforce.models import PlanningSettings

SCHEDULES_NOTE = ("No schedules exist yet: “available” counts every active agent staffed on the process in every "
                  "interval (an upper bound of who could be on the queue).")  # fmt: skip


class BadDate(ValueError):
    pass


def parse_day(raw: str | None, default: date, name: str = "date") -> date:
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    try:
        if raw.isascii() and len(raw) == 10:
            return parse_calendar_date(raw)
    except ValueError:
        pass
    raise BadDate(
        f"The parameter '{name}' must be a date written YYYY-MM-DD (a local date of the process, years "
        f"{FIRST_DATE_YEAR}–{LAST_DATE_YEAR}), not {raw[:40]!r}."
    )


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    handle = io.StringIO()
    writer = SafeCsvWriter(handle)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _r(value, digits=2):
    return None if value is None else round(value, digits)


def forecast_url(process, day: date) -> str:
    try:
        base = reverse("workforce:forecast", args=[process.code])
    except NoReverseMatch:
        base = f"/workforce/{process.code}/forecast/"
    return f"{base}?date={day.isoformat()}"


def whatif_url(plan: staffing.DayPlan, row: staffing.Interval) -> str:
    inputs = plan.inputs
    query = {"contacts": _r(row.contacts), "interval_minutes": inputs.interval_minutes, "aht": _r(row.aht),
             "target": inputs.target, "threshold": inputs.threshold, "shrinkage": inputs.shrinkage,
             "max_occupancy": inputs.max_occupancy, "concurrency": inputs.concurrency}  # fmt: skip
    return reverse("workforce:whatif") + "?" + urlencode(query)


class ProcessPageMixin(ScopedMixin):
    capability = "workforce.view"
    model = Process

    def get(self, request, *args, **kwargs):
        scope = Process.objects.visible_to(request.user).select_related("client")
        self.process = get_object_or_404(scope, code__iexact=kwargs["code"])
        self.tz = ZoneInfo(self.process.timezone)
        self.today = local_today(self.process)
        try:
            return self.respond(request)
        except BadDate as exc:
            return render(request, "bad_input.html", {"message": str(exc), "retry": request.path}, status=400)

    def respond(self, request):
        return self.page()

    def page(self):
        return self.render_to_response(self.get_context_data())


DAY_HEADER = ["interval start (local)", "zone", "interval start (UTC)", "open", "contacts C", "AHT (s)",
              "h = AHT ÷ concurrency (s)", "traffic A (Erlangs)", "required N (agents)",
              "required with shrinkage (agents)", "available (agents)", "gap (agents)", "service level (%)",
              "ASA (s)", "occupancy (%)", "probability of waiting", "agent-hours placed (workload)"]  # fmt: skip


class StaffingDayView(ProcessPageMixin, TemplateView):
    """A process's staffing per interval of one local day (`?date=`, default today), `?format=csv`."""

    template_name = "workforce/staffing_day.html"

    def respond(self, request):
        self.day = parse_day(request.GET.get("date"), self.today)
        self.plan = staffing.plan_day(self.process, self.day)
        if request.GET.get("format") == "csv":
            return _csv(f"staffing-{self.process.code}-{self.day}.csv", DAY_HEADER, self.csv_rows())
        return self.page()

    def csv_rows(self):
        for i in self.plan.intervals:
            yield [f"{i.local_start:%Y-%m-%d %H:%M}", zone_abbreviation(i.start, self.process.timezone),
                   f"{i.start:%Y-%m-%d %H:%M}Z", "yes" if i.open else "no", _r(i.contacts), _r(i.aht), _r(i.h),
                   _r(i.traffic, 4), i.required, i.required_with_shrinkage, i.scheduled, i.gap,
                   _r(i.service_level), _r(i.asa), _r(i.occupancy), _r(i.probability_wait, 4),
                   _r(i.workload_hours, 4)]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, tz_name = self.plan, self.process.timezone
        rows = [
            {"i": i, "zone": zone_abbreviation(i.start, tz_name), "whatif": whatif_url(plan, i) if i.contacts else None}
            for i in plan.intervals
        ]
        context.update(
            process=self.process,
            plan=plan,
            inputs=plan.inputs,
            rows=rows,
            day=self.day,
            today=self.today,
            zone=zone_label(tz_name, plan.intervals[0].start if plan.intervals else None),
            previous_day=self.day - timedelta(days=1),
            next_day=self.day + timedelta(days=1),
            week_start=self.day - timedelta(days=self.day.weekday()),
            forecast_url=forecast_url(self.process, self.day),
            chart=_day_chart(plan, tz_name),
            schedules_note=SCHEDULES_NOTE,
            can_settings=self.can("processes.manage"),
        )
        return context


def _day_chart(plan: staffing.DayPlan, tz_name: str) -> dict:
    labels = [f"{i.local_start:%H:%M} {zone_abbreviation(i.start, tz_name)}" for i in plan.intervals]
    return {
        "labels": labels,
        "yTitle": "agents",
        "yUnit": "agents",
        "datasets": [
            {"label": "Required with shrinkage", "data": [i.required_with_shrinkage for i in plan.intervals],
             "color": "#c0392b", "points": False},
            {"label": "Required on the queue (N)", "data": [i.required for i in plan.intervals], "color": "#e67e22",
             "points": False},
            {"label": "Available (agents staffed)", "data": [i.scheduled for i in plan.intervals], "color": "#0b3d91",
             "dashed": True, "points": False},
        ],
    }  # fmt: skip


WEEK_HEADER = ["local date", "contacts", "required agent-hours", "required agent-hours with shrinkage",
               "required FTE", "peak required with shrinkage (agents)", "available (agents)",
               "gap at the peak (agents)"]  # fmt: skip


class StaffingWeekView(ProcessPageMixin, TemplateView):
    """Seven local days from `?start=` (default this week's Monday), `?format=csv`."""

    template_name = "workforce/staffing_week.html"

    def respond(self, request):
        self.start = parse_day(request.GET.get("start"), self.today - timedelta(days=self.today.weekday()), "start")
        self.plans = staffing.plan_days(self.process, staffing.week_days(self.start))
        if request.GET.get("format") == "csv":
            rows = [[p.day.isoformat(), _r(p.contacts), _r(p.agent_hours), _r(p.agent_hours_with_shrinkage),
                     _r(p.fte), p.peak_required, p.available, p.gap] for p in self.plans]  # fmt: skip
            return _csv(f"staffing-{self.process.code}-week-{self.start}.csv", WEEK_HEADER, rows)
        return self.page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = self.plans
        context.update(
            process=self.process,
            plans=plans,
            start=self.start,
            end=self.start + timedelta(days=6),
            previous_week=self.start - timedelta(days=7),
            next_week=self.start + timedelta(days=7),
            zone=zone_label(self.process.timezone),
            inputs=plans[0].inputs,
            totals={
                "contacts": sum(p.contacts for p in plans),
                "agent_hours": sum(p.agent_hours for p in plans),
                "agent_hours_with_shrinkage": sum(p.agent_hours_with_shrinkage for p in plans),
                "fte": sum(p.fte for p in plans),
            },
            schedules_note=SCHEDULES_NOTE,
        )
        return context


class StaffingListView(ScopedMixin, TemplateView):
    """The caller's processes with today's (local) peak requirement, the agents available and the gap."""

    capability = "workforce.view"
    template_name = "workforce/staffing_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        processes = list(Process.objects.visible_to(self.request.user).filter(active=True).select_related("client"))
        now = timezone.now()
        plans = staffing.gaps_today(processes, now)
        rows = [{"process": p, "plan": plans[p.pk], "zone": zone_abbreviation(now, p.timezone)} for p in processes]
        context.update(rows=rows, schedules_note=SCHEDULES_NOTE)
        return context


class WhatIfView(ScopedMixin, TemplateView):
    """The Erlang C calculator as a page: GET inputs, the answer, and N around it."""

    capability = "workforce.view"
    template_name = "workforce/whatif.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        names = set(WhatIfForm.base_fields)
        submitted = any(self.request.GET.get(name, "") != "" for name in names)
        form = WhatIfForm(self.request.GET or None) if submitted else WhatIfForm()
        context["form"] = form
        if submitted and form.is_valid():
            context.update(result=form.result, around=around(form.result, form.calculator_inputs()))
        return context


def around(result: erlang.Staffing, inputs: dict, spread: int = 3) -> list[dict]:
    """SL, ASA and occupancy for N from `spread` below the answer (N > A only) to `spread` above."""
    a = result.traffic
    if a == 0:
        return []
    h = inputs["aht"] / inputs["concurrency"]
    lowest = max(math.floor(a) + 1, result.agents - spread)
    rows = []
    for n in range(lowest, result.agents + spread + 1):
        asa = erlang.asa(a, n, h)
        rows.append({
            "agents": n,
            "with_shrinkage": erlang.with_shrinkage(n, inputs["shrinkage"] / 100),
            "service_level": erlang.service_level(a, n, inputs["threshold"], h) * 100,
            "asa": asa,
            "occupancy": erlang.occupancy(a, n) * 100,
            "answer": n == result.agents,
        })  # fmt: skip
    return rows


class PlanningSettingsView(ProcessPageMixin, TemplateView):
    """A process's planning settings; the row is created on the first save."""

    capability = "processes.manage"
    template_name = "form_page.html"

    def settings_row(self):
        return PlanningSettings.objects.of(process=self.process).first() or PlanningSettings(process=self.process)

    def respond(self, request):
        self.form = PlanningSettingsForm(instance=self.settings_row())
        return self.page()

    def post(self, request, *args, **kwargs):
        scope = Process.objects.visible_to(request.user)
        self.process = get_object_or_404(scope, code__iexact=kwargs["code"])
        self.form = PlanningSettingsForm(request.POST, instance=self.settings_row())
        if self.form.is_valid():
            self.form.save()
            messages.success(request, f"Planning settings of {self.process.code} saved.")
            return redirect("workforce:staffing_day", code=self.process.code)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=self.form,
            title=f"Planning settings of {self.process.code} — {self.process.name}",
            cancel_url=reverse("workforce:staffing_day", args=[self.process.code]),
        )
        return context
