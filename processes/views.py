from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, View

from agents.models import Agent
from bpo_portal.pages import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedMixin, ScopedUpdateView
from bpo_portal.tasks import enqueue_failures
from processes.forms import ImportUploadForm, ProcessForm, SLATargetFormSet
from processes.imports import (
    COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_PLACEHOLDER_AGENT,
    TEMPLATE_PLACEHOLDER_PROCESS,
    import_template,
)
from processes.imports.jobs import read_progress
from processes.models import Channel, ImportJob, ImportStatus, Process
from processes.selectors import process_list
from processes.services import import_job_create, process_create, process_update


class ProcessListView(ScopedListView):
    model = Process
    capability = "processes.view"
    template_name = "processes/process_list.html"
    search_fields = ("code", "name", "client__code", "client__name")

    def base_queryset(self):
        return process_list(user=self.request.user)

    def get_queryset(self):
        queryset = super().get_queryset()
        channel = self.request.GET.get("channel")
        if channel in Channel.values:
            queryset = queryset.filter(channel=channel)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = Channel.choices
        context["channel"] = self.request.GET.get("channel", "")
        context["can_manage"] = self.can("processes.manage")
        return context


class ProcessDetailView(ScopedDetailView):
    model = Process
    capability = "processes.view"
    template_name = "processes/process_detail.html"

    def get_queryset(self):
        return process_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("processes.manage")
        if self.can("agents.view"):
            context["agents"] = self.scoped(Agent).filter(processes=self.object).select_related("team").order_by("code")
        return context


class _ProcessFormMixin:
    model = Process
    form_class = ProcessForm
    capability = "processes.manage"
    template_name = "processes/process_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "targets" not in context:
            context["targets"] = SLATargetFormSet(instance=getattr(self, "object", None) or Process())
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if self.kwargs.get("code") else None
        form = self.get_form()
        targets = SLATargetFormSet(request.POST, instance=self.object or Process(), prefix="sla_targets")
        if form.is_valid() and targets.is_valid():
            self.targets = targets
            return self.form_valid(form)
        if self.object is not None:  # validation wrote the refused values onto it (see ScopedUpdateView)
            self.object = self.get_object()
        return self.render_to_response(self.get_context_data(form=form, targets=targets))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form, targets=self.targets))

    def target_data(self) -> list[dict]:
        return [
            {name: data[name] for name in ("metric", "comparator", "target", "credit_percent")}
            for data in self.targets.cleaned_data
            if data and not data.get("DELETE")
        ]

    def get_success_url(self):
        return self.object.get_absolute_url()


class ProcessCreateView(_ProcessFormMixin, ScopedCreateView):
    cancel_url_name = "processes:list"
    success_message = "Process {object.code} created."
    extra_context = {"title": "New process"}

    def get_initial(self):
        initial = super().get_initial()
        client = self.request.GET.get("client")
        if client:
            initial["client"] = self.scoped(Process.client.field.related_model).filter(code=client).first()
        return initial

    def save_with_service(self, form):
        data = dict(form.cleaned_data)
        with transaction.atomic():
            return process_create(actor=self.request.user, sla_targets=self.target_data(), **data)


class ProcessUpdateView(_ProcessFormMixin, ScopedUpdateView):
    success_message = "Process {object.code} saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"Edit process {self.object.code}"
        context["cancel_url"] = reverse("processes:detail", kwargs={"code": self.object.code})
        return context

    def save_with_service(self, form):
        data = dict(form.cleaned_data)
        data.pop("client", None)
        return process_update(
            actor=self.request.user, process=self.get_object(), sla_targets=self.target_data(), **data
        )


class ImportListView(ScopedMixin, FormView):
    """Upload an interaction CSV file; lists the user's recent imports."""

    capability = "interactions.import"
    template_name = "processes/import_list.html"
    form_class = ImportUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = self.scoped(ImportJob).select_related("created_by")[:25]
        context["columns"] = COLUMNS
        context["required"] = REQUIRED_COLUMNS
        _text, context["template_process"], context["template_has_agent"] = import_template(self.request.user)
        context["placeholder_process"] = TEMPLATE_PLACEHOLDER_PROCESS
        context["placeholder_agent"] = TEMPLATE_PLACEHOLDER_AGENT
        return context

    def form_valid(self, form):
        with enqueue_failures() as unqueued:
            job = import_job_create(actor=self.request.user, upload=form.cleaned_data["file"])
        url = reverse("processes:import_detail", args=[job.pk])
        # The page says so while the job waits (a query parameter, not a one-shot message: the
        # upload script follows the redirect itself before showing the page).
        return redirect(f"{url}?queue=unreachable" if unqueued else url)


class ImportTemplateView(ScopedMixin, View):
    """GET: a CSV file with every import column and example rows that import as they are."""

    capability = "interactions.import"

    def get(self, request):
        text, process, _has_agent = import_template(request.user)
        name = f"interactions-template-{process.code if process else 'example'}.csv"
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ImportDetailView(ScopedMixin, DetailView):
    capability = "interactions.import"
    model = ImportJob
    template_name = "processes/import_detail.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["processes/_import_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["progress_rows"] = read_progress(self.object.pk)
        context["queue_unreachable"] = (
            self.request.GET.get("queue") == "unreachable" and self.object.status == ImportStatus.QUEUED
        )
        context["requeue_minutes"] = max(1, round(settings.IMPORT_REQUEUE_SECONDS / 60))
        return context
