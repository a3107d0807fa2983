"""Picking what to evaluate: the week's random sample per agent (and its size), or a search."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from quality import selectors, services
from quality.forms import SamplePlanForm
from quality.views.base import QualityPage, parse_day


class EvaluatePickView(QualityPage):
    """Pick an interaction to evaluate: this week's random sample per agent, or a search."""

    capability = "quality.evaluate"
    template_name = "quality/evaluate_pick.html"

    def process(self):
        code = self.request.GET.get("process") or self.request.POST.get("process")
        return selectors.evaluation_process_pick(user=self.request.user, code=code)

    def week(self):
        value = parse_day(self.request.GET.get("week") or self.request.POST.get("week"), timezone.localdate())
        return value - timedelta(days=value.weekday())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        processes, process = self.process()
        week = self.week()
        context.update(processes=processes, process=process, week=week, prev_week=week - timedelta(days=7))
        context["next_week"] = week + timedelta(days=7) if week + timedelta(days=7) <= timezone.localdate() else None
        if process is None:
            return context
        context["sample"] = selectors.sample_for_week(user=user, process=process, week_start=week)
        context["sample_size"] = services.sample_size(process)
        context.setdefault("plan_form", SamplePlanForm(initial={"per_agent_per_week": context["sample_size"]}))
        context["scorecard"] = services.current_scorecard(process)
        context["can_manage"] = self.can("quality.manage")
        search = {k: params.get(k, "") for k in ("agent", "day", "q")}
        context["search"] = search
        if any(search.values()):
            context["results"] = selectors.interaction_search(
                user=user,
                process=process,
                agent=search["agent"],
                # A day that is no date finds nothing (rather than every day).
                day=parse_day(search["day"], date.min) if search["day"] else None,
                q=search["q"],
            )
        context["agents"] = selectors.evaluation_agents(user=user, process=process)
        return context

    def post(self, request, *args, **kwargs):
        _, process = self.process()
        week = self.week()
        if process is None:
            return redirect("quality:evaluate")
        target = f"{reverse('quality:evaluate')}?process={process.code}&week={week.isoformat()}"
        if request.POST.get("action") == "plan":
            form = SamplePlanForm(request.POST)
            if form.is_valid():
                try:
                    services.sample_plan_set(actor=request.user, process=process, **form.cleaned_data)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, "Sample size saved.")
                return redirect(target)
            return self.render_to_response(self.get_context_data(plan_form=form))
        added = services.sample_draw(process=process, week_start=week)
        messages.success(request, f"{added} interaction(s) added to the sample of the week of {week:%d %b %Y}.")
        return redirect(target)
