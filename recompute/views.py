"""The recompute pages (administrators): the runs with their progress and a form to start one;
a run's page with its shards, refreshing itself (htmx) while it runs, and "retry failed shards"."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from bpo_portal.pages import ScopedMixin
from processes.models import Process
from recompute import selectors, services
from recompute.forms import RunForm
from recompute.models import RecomputeRun, RunStatus

LIST_LIMIT = 50
SHARD_LIMIT = 500


class RunListView(ScopedMixin, View):
    capability = "recompute.run"
    template_name = "recompute/run_list.html"

    def form(self, data=None):
        return RunForm(data, processes=Process.objects.visible_to(self.request.user).order_by("code"))

    def render_page(self, form, status=200):
        runs = list(selectors.run_list()[:LIST_LIMIT])
        progress = selectors.runs_progress(runs)
        rows = [(run, progress[run.pk]) for run in runs]
        return render(self.request, self.template_name, {"form": form, "rows": rows}, status=status)

    def get(self, request):
        return self.render_page(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        data = form.cleaned_data
        try:
            run = services.run_create(user=request.user, processes=list(data["processes"]) or None,
                                      start=data["start"], end=data["end"], shard_days=data["shard_days"],
                                      refresh_flags=data["refresh_flags"], note=data["note"])  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_page(form, status=400)
        queued = services.run_dispatch(run)
        messages.success(request, f"Recompute run {run.pk}: {run.shards.count()} shard(s), {queued} queued.")
        return redirect("recompute:detail", pk=run.pk)


class RunDetailView(ScopedMixin, View):
    capability = "recompute.run"
    model = RecomputeRun
    template_name = "recompute/run_detail.html"

    def get(self, request, pk):
        run = get_object_or_404(RecomputeRun.objects.select_related("requested_by"), pk=pk)
        context = {"run": run, "progress": selectors.run_progress(run), "live": run.status in _LIVE}
        if request.headers.get("HX-Request"):
            return render(request, "recompute/_run_progress.html", context)
        shards = selectors.run_shards(run)
        context.update(shards=shards[:SHARD_LIMIT], shard_count=shards.count(), shard_limit=SHARD_LIMIT)
        return render(request, self.template_name, context)

    def post(self, request, pk):
        run = get_object_or_404(RecomputeRun, pk=pk)
        if request.POST.get("action") != "retry":
            messages.error(request, "Nothing to do: the only action here is retrying the failed shards.")
        else:
            queued = services.shards_retry(run)
            if queued:
                messages.success(request, f"{queued} failed shard(s) queued again.")
            else:
                messages.info(request, "No failed shard to retry.")
        return redirect(reverse("recompute:detail", kwargs={"pk": run.pk}))


_LIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
