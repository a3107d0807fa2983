"""Coaching actions: the list, opening one (from an agent or an evaluation) and editing it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from quality import selectors, services
from quality.forms import CoachingCreateForm, CoachingEditForm
from quality.models import CoachingAction, CoachingStatus
from quality.views.base import QualityPage, apply_errors


class CoachingListView(QualityPage):
    capability = "coaching.view"
    template_name = "quality/coaching_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        context.update(
            actions=selectors.coaching_list(user=self.request.user, status=status)[:200],
            status=status,
            status_choices=CoachingStatus.choices,
            can_manage=self.can("coaching.manage"),
        )
        return context


class CoachingCreateView(QualityPage):
    capability = "coaching.manage"
    template_name = "quality/coaching_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            initial = selectors.coaching_initial(
                user=self.request.user,
                agent_code=self.request.GET.get("agent", ""),
                evaluation_id=self.request.GET.get("evaluation", ""),
                today=timezone.localdate(),
            )
            context["form"] = CoachingCreateForm(user=self.request.user, initial=initial)
        context["title"] = "New coaching action"
        return context

    def post(self, request, *args, **kwargs):
        form = CoachingCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                action = services.coaching_create(
                    actor=request.user,
                    agent=data["agent"],
                    topic=data["topic"],
                    due_date=data["due_date"],
                    notes=data["notes"],
                    evaluation=selectors.evaluation_find(user=request.user, pk=data["evaluation"]),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Coaching action opened for {action.agent.name}.")
                return redirect(reverse("agents:detail", kwargs={"code": action.agent.code}))
        return self.render_to_response(self.get_context_data(form=form))


class CoachingEditView(QualityPage):
    model = CoachingAction
    capability = "coaching.manage"
    template_name = "quality/coaching_form.html"

    def action(self):
        return self.get_scoped(CoachingAction, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = self.action()
        context.setdefault("form", CoachingEditForm(instance=action))
        context.update(action=action, title=f"Coaching: {action.topic}")
        return context

    def post(self, request, *args, **kwargs):
        action = self.action()
        # Validating a model form writes the posted values into its instance: the form gets its own
        # copy, so the service is handed the action as stored and decides what changes.
        form = CoachingEditForm(request.POST, instance=self.action())
        if form.is_valid():
            try:
                services.coaching_update(
                    actor=request.user, action=action, **{f: form.cleaned_data[f] for f in form.Meta.fields}
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Coaching action saved.")
                return redirect(reverse("agents:detail", kwargs={"code": action.agent.code}))
        return self.render_to_response(self.get_context_data(form=form))
