"""The forecast page of a process (WFM.md, "Forecast"): a local day's forecast against the actual
per interval with the Poisson noise band, the day's shape, the backtest accuracy per method and
day, the pinned method, the adjustments, and a CSV of every table. Reads through
workforce.selectors, writes through workforce.services."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import parse_calendar_date
from bpo_portal.tasks import enqueue_on_commit
from bpo_portal.timezones import zone_abbreviation, zone_label
from processes.models import Process
from workforce import selectors, services, tasks
from workforce.forecast_forms import AdjustmentForm, MethodForm
from workforce.forecasting import METHODS
from workforce.models import ForecastMethod

EXPORTS = ("intervals", "accuracy", "adjustments")


def _pct(value):
    return None if value is None else round(value, 2)


class ForecastPageView(ScopedMixin, TemplateView):
    """GET: the page (or `?export=intervals|accuracy|adjustments` as CSV); POST `action`:
    `recompute` (queues the forecast run), `method` (pin or unpin), `adjust` (add an adjustment),
    `withdraw` (withdraw the adjustment whose id is `adjustment`)."""

    capability = "workforce.view"
    model = Process
    template_name = "workforce/forecast.html"

    def setup_process(self):
        self.process = get_object_or_404(self.scoped(Process).select_related("client", "calendar"),
                                         code=self.kwargs["code"])  # fmt: skip
        self.tz = ZoneInfo(self.process.timezone)
        self.today = services.local_today(self.process)
        raw = self.request.GET.get("date", "")
        try:
            self.day = parse_calendar_date(raw) if raw else self.today
        except ValueError:
            self.day, self.date_error = self.today, f"{raw[:40]!r} is not a date (YYYY-MM-DD): showing today."
        else:
            self.date_error = None

    def get(self, request, *args, **kwargs):
        self.setup_process()
        export = request.GET.get("export")
        if export:
            if export not in EXPORTS:
                raise Http404
            return self.csv(export)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_process()
        action = request.POST.get("action")
        if action == "recompute":
            enqueue_on_commit(tasks.forecast_process, self.process.pk)
            messages.success(request, "Forecast recompute queued: the page shows the new forecast once it has run.")
            return self.back()
        if action == "method":
            self.method_form = MethodForm(request.POST)
            if self.method_form.is_valid():
                method = self.method_form.cleaned_data["forecast_method"]
                services.planning_method_pin(process=self.process, method=method)
                enqueue_on_commit(tasks.forecast_process, self.process.pk)
                messages.success(request, f"Method {'pinned' if method else 'chosen automatically'}; forecast queued.")
                return self.back()
        elif action == "adjust":
            self.adjustment_form = AdjustmentForm(request.POST)
            if self.adjust():
                return self.back()
        elif action == "withdraw":
            try:
                services.forecast_adjustment_withdraw(process=self.process, user=request.user,
                                                      adjustment_id=request.POST.get("adjustment", ""))  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.message_dict.get("adjustment", exc.messages)))
            else:
                messages.success(request, "Adjustment withdrawn: the forecast no longer applies it.")
            return self.back()
        else:
            messages.error(request, "Nothing to do: choose recompute, a method, an adjustment or a withdrawal.")
            return self.back()
        return self.render_to_response(self.get_context_data(), status=400)

    def adjust(self) -> bool:
        form = self.adjustment_form
        if not form.is_valid():
            return False
        try:
            services.forecast_adjustment_create(process=self.process, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return False
        messages.success(self.request, "Adjustment saved and applied to the forecast.")
        return True

    def back(self):
        return redirect(f"{reverse('workforce:forecast', kwargs={'code': self.process.code})}?date={self.day}")

    # --- reading ---------------------------------------------------------------------------------

    def interval_rows(self) -> list[dict]:
        """The day's intervals: forecast, band and actual for intervals already over."""
        step = timedelta(minutes=self.process.interval_minutes)
        before = timezone.now() - step
        past = {v.row.interval_start: v for v in selectors.forecast_vs_actual(self.process, self.day, self.day, before)}
        rows = []
        for row in selectors.forecast_for_day(self.process, self.day):
            versus = past.get(row.interval_start)
            label = f"{row.local_start:%H:%M} {zone_abbreviation(row.local_start, self.process.timezone)}"
            rows.append({"row": row, "label": label, "versus": versus})
        return rows

    def chart(self, rows) -> dict:
        past = [r["versus"] for r in rows]
        datasets = [
            {"label": "Forecast contacts", "data": [round(r["row"].contacts, 2) for r in rows], "points": False}
        ]
        if any(past):
            datasets += [
                {"label": "Actual contacts", "data": [v.actual_contacts if v else None for v in past], "type": "bar"},
                {
                    "label": "Band high (+1.96√f)",
                    "data": [round(v.high, 2) if v else None for v in past],
                    "dashed": True,
                    "points": False,
                },  # fmt: skip
                {
                    "label": "Band low (−1.96√f)",
                    "data": [round(v.low, 2) if v else None for v in past],
                    "dashed": True,
                    "points": False,
                },  # fmt: skip
            ]
        return {"labels": [r["label"] for r in rows], "datasets": datasets, "yUnit": "", "yTitle": "contacts"}

    def accuracy(self):
        methods = selectors.forecast_accuracy(self.process)
        days = sorted({day for m in methods for day in m.days}, reverse=True)
        table = [{"day": day, "wapes": [_pct(m.days.get(day)) for m in methods]} for day in days]
        return methods, table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.interval_rows()
        methods, accuracy_days = self.accuracy()
        run = selectors.forecast_latest_run(self.process)
        pinned = services.planning_settings(self.process).forecast_method
        context.update(
            process=self.process, day=self.day, today=self.today, date_error=self.date_error,
            zone=zone_label(self.process.timezone), rows=rows, chart=self.chart(rows),
            outside=sum(1 for r in rows if r["versus"] and r["versus"].outside),
            total_forecast=sum(r["row"].contacts for r in rows),
            total_actual=sum(r["versus"].actual_contacts for r in rows if r["versus"]),
            methods=[(m, _pct(m.wape), run is not None and m.method == run.method) for m in methods],
            accuracy_days=accuracy_days, run=run, pinned=pinned,
            pinned_label=ForecastMethod(pinned).label if pinned else "",
            method_form=getattr(self, "method_form", None) or MethodForm(initial={"forecast_method": pinned}),
            adjustment_form=getattr(self, "adjustment_form", None) or AdjustmentForm(initial={"day": self.day}),
            adjustments=selectors.forecast_adjustment_list(self.process),
            previous_day=self.day - timedelta(days=1), next_day=self.day + timedelta(days=1),
        )  # fmt: skip
        return context

    # --- CSV -------------------------------------------------------------------------------------

    def csv(self, export: str) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"{self.process.code}-forecast-{export}" + (f"-{self.day}" if export == "intervals" else "")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = SafeCsvWriter(response)
        if export == "intervals":
            writer.writerow(["interval_start_local", "zone", "forecast_contacts", "band_low", "band_high",
                             "actual_contacts", "outside_band", "forecast_aht_seconds", "actual_aht_seconds",
                             "method"])  # fmt: skip
            for r in self.interval_rows():
                row, v = r["row"], r["versus"]
                writer.writerow([row.local_start.isoformat(), zone_abbreviation(row.local_start, self.process.timezone),
                                 round(row.contacts, 2), round(v.low, 2) if v else "", round(v.high, 2) if v else "",
                                 v.actual_contacts if v else "", ("yes" if v.outside else "no") if v else "",
                                 round(row.aht, 1), "" if not v or v.actual_aht is None else round(v.actual_aht, 1),
                                 row.method])  # fmt: skip
        elif export == "accuracy":
            methods, table = self.accuracy()
            writer.writerow(["local_date", *[f"wape_{m}_percent" for m in METHODS]])
            writer.writerow(["all days", *["" if m.wape is None else round(m.wape, 2) for m in methods]])
            for line in table:
                writer.writerow([line["day"].isoformat(), *["" if w is None else w for w in line["wapes"]]])
        else:
            writer.writerow(["start_local", "end_local", "zone", "percent", "note", "created_by", "created_at_utc",
                             "withdrawn_by", "withdrawn_at_utc"])  # fmt: skip
            for a in selectors.forecast_adjustment_list(self.process):
                start, end = a.start.astimezone(self.tz), a.end.astimezone(self.tz)
                writer.writerow([start.isoformat(), end.isoformat(), self.process.timezone, float(a.percent), a.note,
                                 a.created_by.username if a.created_by else "", a.created_at.isoformat(),
                                 a.withdrawn_by.username if a.withdrawn_by else "",
                                 a.withdrawn_at.isoformat() if a.withdrawn_at else ""])  # fmt: skip
        return response
