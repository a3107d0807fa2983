"""Automatic assignment per process: on/off, the cap of open items per agent, and "assign now"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from bpo_portal.pages import ScopedMixin
from work.forms import WorkSettingsForm
from work.selectors import work_auto_assign_on, work_process_find, work_settings_rows
from work.services import work_items_auto_assign, work_settings_update


class SettingsView(ScopedMixin, TemplateView):
    """Per process: automatic assignment on/off and the cap of open items per agent; "assign
    now" runs the automatic assignment at once."""

    capability = "work.assign"
    template_name = "work/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = work_settings_rows(user=self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        process = work_process_find(user=request.user, code=request.POST.get("process", ""))
        if process is None:
            messages.error(request, "Choose a process.")
            return redirect("work:settings")
        if request.POST.get("action") == "run":
            count = work_items_auto_assign(process=process)
            if work_auto_assign_on(process):
                messages.success(request, f"{process.code}: {count} item(s) assigned automatically.")
            else:
                messages.error(request, f"{process.code}: switch automatic assignment on first.")
            return redirect("work:settings")
        form = WorkSettingsForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, f"{process.code}: {' '.join(errors)}")
            return redirect("work:settings")
        try:
            work_settings_update(actor=request.user, process=process, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, f"{process.code}: {' '.join(exc.messages)}")
        else:
            state = "on" if form.cleaned_data["auto_assign"] else "off"
            messages.success(
                request,
                f"{process.code}: automatic assignment {state}, at most {form.cleaned_data['max_open_per_agent']} "
                "open items per agent.",
            )
        return redirect("work:settings")
