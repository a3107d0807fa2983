"""One work item: its page (audit trail, next steps), status changes, create and edit; the
agent's "My work"; the CSV import of items."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from accounts.scoping import ADMIN, effective_role
from bpo_portal.pages import ScopedMixin
from processes.imports import ImportFailed
from work.forms import WorkImportForm, WorkItemForm
from work.imports import COLUMNS, REQUIRED_COLUMNS, import_work_items
from work.models import Priority, Status, WorkItem, WorkType
from work.selectors import (
    assignable_agents,
    my_work_page,
    work_item_detail_list,
    work_item_events,
    work_item_list,
    work_process_find,
)
from work.services import work_item_create, work_item_transition, work_item_update
from work.views.base import add_errors, to_int


def agent_actions(item: WorkItem) -> list[tuple[str, str, str, bool]]:
    """(status, label, button style, note required) for the agent's next steps on an item."""
    actions = {
        Status.ASSIGNED: [(Status.IN_PROGRESS, "Start", "primary", False)],
        Status.IN_PROGRESS: [
            (Status.DONE, "Complete", "success", True),
            (Status.ON_HOLD, "Put on hold", "outline-secondary", True),
        ],
        Status.ON_HOLD: [(Status.IN_PROGRESS, "Resume", "primary", False)],
    }
    return actions.get(item.status, [])


class WorkItemDetailView(ScopedMixin, DetailView):
    capability = "work.view"
    model = WorkItem
    template_name = "work/item_detail.html"

    def get_queryset(self):
        return work_item_detail_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item, user = self.object, self.request.user
        context["events"] = work_item_events(user=user, item=item)
        context["now"] = timezone.now()
        context["left"] = item.seconds_left()
        context["can_assign"] = self.can("work.assign") and item.is_open
        context["can_manage"] = self.can("work.manage") and item.is_open
        is_assignee = item.assignee is not None and item.assignee.user_id == user.pk
        context["actions"] = agent_actions(item) if is_assignee or effective_role(user) == ADMIN else []
        if context["can_assign"]:
            context["candidates"] = list(assignable_agents(user=user, processes=[item.process]))
        return context


class StatusView(ScopedMixin, DetailView):
    """Start, hold, resume, complete (the assignee) or cancel (team leader / manager) an item."""

    capability = "work.view"
    model = WorkItem
    template_name = "work/status_form.html"

    def get_queryset(self):
        return work_item_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = agent_actions(self.object)
        context["can_cancel"] = self.can("work.manage") and self.object.is_open
        return context

    def post(self, request, *args, **kwargs):
        item = self.get_object()
        to = request.POST.get("to", "")
        note = request.POST.get("note", "")
        back = request.POST.get("next") or item.get_absolute_url()
        if not back.startswith("/"):
            back = item.get_absolute_url()
        try:
            item = work_item_transition(
                actor=request.user, item=item, to=to, note=note, expected_version=to_int(request.POST.get("version"))
            )
        except ValidationError as exc:
            messages.error(request, f"#{item.pk}: " + " ".join(exc.messages))
        else:
            messages.success(request, f"#{item.pk} {item.title}: now {item.get_status_display().lower()}.")
        return redirect(back)


class MyWorkView(ScopedMixin, TemplateView):
    """An agent's own items by due time, with start / hold / complete."""

    capability = "work.do"
    template_name = "work/my_work.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        page = my_work_page(user=self.request.user, now=now)
        for item in page.open_items + page.closed_today:
            item.actions = agent_actions(item)
        context.update(
            open_items=page.open_items,
            closed_today=page.closed_today,
            overdue=page.overdue,
            agent=page.agent,
            now=now,
        )
        return context


class WorkItemCreateView(ScopedMixin, FormView):
    capability = "work.manage"
    form_class = WorkItemForm
    template_name = "work/item_form.html"
    extra_context = {"title": "New work item"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        code = self.request.GET.get("process")
        if code:
            initial["process"] = work_process_find(user=self.request.user, code=code)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("work:queue") if self.can("work.assign") else reverse("home")
        return context

    def form_valid(self, form):
        try:
            item = work_item_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        who = f", assigned to {item.assignee.code}" if item.assignee else ""
        messages.success(self.request, f"Work item #{item.pk} created{who}.")
        return redirect(item.get_absolute_url())


class WorkItemUpdateView(ScopedMixin, FormView):
    capability = "work.manage"
    model = WorkItem
    form_class = WorkItemForm
    template_name = "work/item_form.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(work_item_list(user=request.user), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = get_object_or_404(work_item_list(user=request.user), pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "editing": True}

    def get_initial(self):
        item = self.object
        fields = ("type", "title", "details", "customer_ref", "priority", "received_at", "due_at")
        return {"process": item.process, **{name: getattr(item, name) for name in fields}}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"Edit work item #{self.object.pk}"
        context["cancel_url"] = self.object.get_absolute_url()
        context["object"] = self.object
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data.pop("process", None)
        data["received_at"] = data["received_at"] or self.object.received_at
        if not data["due_at"]:
            data.pop("due_at")
        # Only what the form changed goes to the service: its audit entry names the fields changed.
        changed = {k: v for k, v in data.items() if getattr(self.object, k) != v}
        try:
            item = work_item_update(
                actor=self.request.user,
                item=self.object,
                expected_version=to_int(self.request.POST.get("version")),
                **changed,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Work item #{item.pk} saved.")
        return redirect(item.get_absolute_url())


class ImportView(ScopedMixin, FormView):
    """Upload a CSV file of work items: all or nothing, errors listed by line and column."""

    capability = "work.manage"
    form_class = WorkImportForm
    template_name = "work/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = COLUMNS
        context["required"] = REQUIRED_COLUMNS
        context["types"] = WorkType.values
        context["priorities"] = [p.name.lower() for p in Priority]
        return context

    def form_valid(self, form):
        try:
            report = import_work_items(form.cleaned_data["file"], user=self.request.user)
        except ImportFailed as failed:
            return self.render_to_response(
                self.get_context_data(
                    form=form, errors=failed.report.error_lines(), error_count=failed.report.error_count
                )
            )
        messages.success(
            self.request,
            f"Imported {report.rows} row(s): {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.auto_assigned} assigned automatically.",
        )
        return redirect(reverse("work:queue") if self.can("work.assign") else reverse("work:import"))
