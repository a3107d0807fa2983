"""The quality pages of figures: the home (QA per process and what needs attention), an agent's
QA history, a process's criterion failure rates; and the notifications."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect

from accounts.scoping import AGENT, effective_role
from agents.models import Agent
from processes.models import Process
from quality import selectors, services
from quality.views.base import QualityPage, period


class QualityHomeView(QualityPage):
    """Aggregated QA per process over a period; for staff, also what needs their attention."""

    capability = "quality.view"
    template_name = "quality/home.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = period(self.request)
        role = effective_role(user)
        context.update(
            start=start,
            end=end,
            role=role,
            summary=selectors.qa_summary_by_process(user=user, start=start, end=end),
            trend=selectors.qa_trend(user=user, start=end - timedelta(days=364), end=end),
            can_evaluate=self.can("quality.evaluate"),
            can_manage=self.can("quality.manage"),
            can_see_rows=self.can("quality.evaluations"),
            notifications=selectors.notification_list(user=user, unread_only=True)[:10],
        )
        if self.can("quality.evaluate"):
            context["open_disputes"] = selectors.open_disputes_for_reviewer(user=user)[:10]
        if role == AGENT:
            context["awaiting"] = selectors.evaluation_awaiting_list(user=user)
        return context


class AgentQualityView(QualityPage):
    """An agent's QA history: monthly trend, evaluations, open coaching."""

    model = Agent

    capability = "quality.evaluations"
    template_name = "quality/agent_history.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agent = self.get_scoped(Agent, code=self.kwargs["code"])
        page = selectors.agent_quality(user=self.request.user, agent=agent)
        context.update(
            agent=agent,
            evaluations=page.evaluations,
            trend=page.trend,
            mean=page.mean,
            count=page.count,
            coaching=page.coaching,
            can_coach=self.can("coaching.manage"),
        )
        return context


class CriterionRatesView(QualityPage):
    """Which criteria of a process's scorecards fail most (aggregated, no agent names)."""

    model = Process

    capability = "quality.view"
    template_name = "quality/criterion_rates.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        process = self.get_scoped(Process, code=self.kwargs["code"])
        start, end = period(self.request, days=90)
        context.update(
            process=process,
            start=start,
            end=end,
            rates=selectors.criterion_failure_rates(user=user, process=process, start=start, end=end),
            accuracy=selectors.accuracy(user=user, process=process, start=start, end=end),
            trend=selectors.qa_trend(user=user, process=process, start=end - timedelta(days=364), end=end),
            role=effective_role(user),
        )
        return context


class NotificationListView(QualityPage):
    capability = "home.view"
    template_name = "quality/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = selectors.notification_list(user=self.request.user)[:100]
        return context

    def post(self, request, *args, **kwargs):
        services.notification_mark_read(actor=request.user)
        messages.success(request, "All notifications marked read.")
        return redirect("quality:notifications")
