"""Work pages: the team leader's queue (htmx assign, reassign, bulk assign), the agent's "My
work", item detail with its audit trail, create/edit, CSV import, the day's changes and the
automatic-assignment settings. Every write goes through `work.services`."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from accounts.scoping import ADMIN, effective_role, scope_q
from agents.models import Agent
from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import parse_calendar_date
from bpo_portal.timezones import portal_zone
from processes.imports import ImportFailed
from processes.models import Process
from work.forms import WorkImportForm, WorkItemForm, WorkSettingsForm
from work.imports import COLUMNS, REQUIRED_COLUMNS, import_work_items
from work.models import Priority, Status, WorkItem, WorkSettings, WorkType
from work.selectors import (
    DUE_SOON_HOURS,
    assignable_agents,
    due_soon_items,
    my_work,
    work_changes_on,
    work_item_events,
    work_item_list,
    work_overdue_counts_by_process,
    work_queue,
    work_settings_list,
)
from work.services import (
    WorkItemConflict,
    work_item_assign,
    work_item_create,
    work_item_transition,
    work_item_update,
    work_items_auto_assign,
    work_items_bulk_assign,
    work_settings_update,
)

QUEUE_FILTERS = ("status", "process", "type", "assignee", "due", "q", "sort")
QUEUE_PAGE_SIZE = 100


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class QueueContextMixin(ScopedMixin):
    """Builds the queue (items, candidate agents with their loads, alerts) for the page and
    for the htmx partials that replace parts of it."""

    def queue_params(self, source: QueryDict) -> dict[str, str]:
        return {name: source.get(name, "").strip() for name in QUEUE_FILTERS}

    def agents(self):
        if not hasattr(self, "_agents"):
            self._agents = list(assignable_agents(user=self.request.user))
        return self._agents

    def agents_by_process(self) -> dict[int, list[Agent]]:
        by_process: dict[int, list[Agent]] = {}
        for agent in self.agents():
            for process in agent.processes.all():
                by_process.setdefault(process.pk, []).append(agent)
        return by_process

    def decorate(self, items, now):
        by_process = self.agents_by_process()
        loads = {a.pk: a.load for a in self.agents()}
        for item in items:
            item.candidates = by_process.get(item.process_id, [])
            item.assignee_load = loads.get(item.assignee_id)
            item.left = item.seconds_left(now)
        return items

    def alerts(self, now):
        return self.decorate(list(due_soon_items(user=self.request.user, now=now)), now)

    def queue_context(self, params: dict[str, str], page: int = 1) -> dict:
        user, now = self.request.user, timezone.now()
        items = work_queue(user=user, now=now, **params)
        paginator = Paginator(items, QUEUE_PAGE_SIZE)
        page_obj = paginator.get_page(page)
        self.decorate(page_obj.object_list, now)
        filters = QueryDict(mutable=True)
        filters.update({k: v for k, v in params.items() if v})
        return {
            "items": page_obj.object_list,
            "page_obj": page_obj,
            "paginator": paginator,
            "params": params,
            "filters": filters.urlencode(),
            "agents": self.agents(),
            "now": now,
            "due_soon_hours": DUE_SOON_HOURS,
            "alerts": self.alerts(now),
            "overdue_counts": work_overdue_counts_by_process(user, now=now),
            "processes": Process.objects.filter(scope_q(Process, user)).order_by("code"),
            "statuses": Status.choices,
            "types": WorkType.choices,
            "sorts": [
                ("due", "Due first"),
                ("-due", "Due last"),
                ("priority", "Highest priority"),
                ("age", "Oldest first"),
                ("-age", "Newest first"),
                ("status", "Status"),
            ],
            "can_manage": self.can("work.manage"),
        }

    def render_partial(self, template: str, context: dict, status: int = 200) -> HttpResponse:
        return HttpResponse(render_to_string(template, context, request=self.request), status=status)


class QueueView(QueueContextMixin, TemplateView):
    """The team leader's queue of their teams' processes."""

    capability = "work.assign"
    template_name = "work/queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.queue_context(self.queue_params(self.request.GET), _int(self.request.GET.get("page")) or 1))
        return context

    def get_template_names(self):
        if _is_htmx(self.request) and self.request.headers.get("HX-Target") == "queue":
            return ["work/_queue.html"]
        return [self.template_name]


class AssignView(QueueContextMixin, DetailView):
    """Assign, reassign or unassign one item (htmx: answers with the item's new row and the
    agents' loads); a stale version is refused with a message saying who holds the item now."""

    capability = "work.assign"
    model = WorkItem

    def get_queryset(self):
        return work_item_list(user=self.request.user)

    def row(self, item, error: str = "", notice: str = "", status: int = 200):
        now = timezone.now()
        item = self.decorate([item], now)[0]
        context = {
            "item": item,
            "now": now,
            "row_error": error,
            "row_notice": notice,
            "agents": self.agents(),
            "alerts": self.alerts(now),
            "due_soon_hours": DUE_SOON_HOURS,
            "oob": True,
            # The per-process badges above the table count unassigned items: refresh them too.
            "overdue_counts": work_overdue_counts_by_process(self.request.user, now=now),
            "counts_oob": True,
        }
        html = render_to_string("work/_row.html", context, request=self.request)
        html += render_to_string("work/_loads_oob.html", context, request=self.request)
        return HttpResponse(html, status=status)

    def get(self, request, *args, **kwargs):
        return self.row(self.get_object())

    def post(self, request, *args, **kwargs):
        item = self.get_object()
        code = request.POST.get("agent", "").strip()
        agent = None
        if code:
            agent = Agent.objects.filter(scope_q(Agent, request.user), code=code).first()
            if agent is None:
                return self._answer(item, error=f"No agent '{code}' that you may assign to.")
        try:
            item = work_item_assign(
                actor=request.user, item=item, agent=agent, expected_version=_int(request.POST.get("version"))
            )
        except WorkItemConflict as exc:
            item.refresh_from_db()
            return self._answer(item, error=" ".join(exc.messages), status=409)
        except ValidationError as exc:
            return self._answer(item, error=" ".join(exc.messages), status=400)
        notice = f"Assigned to {agent.code}." if agent else "Unassigned."
        return self._answer(item, notice=notice)

    def _answer(self, item, *, error: str = "", notice: str = "", status: int = 200):
        if _is_htmx(self.request):
            # htmx swaps only 2xx answers: the error travels inside the row, the status in a header.
            response = self.row(item, error=error, notice=notice)
            if status != 200:
                response["X-Work-Status"] = str(status)
            return response
        if error:
            messages.error(self.request, error)
        else:
            messages.success(self.request, f"#{item.pk}: {notice}")
        return redirect(self.request.POST.get("next") or reverse("work:queue"))


class BulkAssignView(QueueContextMixin, TemplateView):
    """Assign the selected items to one agent, or spread them evenly across the chosen agents."""

    capability = "work.assign"
    template_name = "work/_queue.html"

    def post(self, request, *args, **kwargs):
        params = self.queue_params(QueryDict(request.POST.get("filters", "")))
        selected = {}
        for token in request.POST.getlist("items"):
            pk, _, version = token.partition(":")
            if _int(pk) is not None:
                selected[int(pk)] = _int(version)
        spread = request.POST.get("mode") == "spread"
        # "Assign to" is one select (`agent`); "spread evenly" ticks several (`agents`). A client
        # that posts `agents` with mode "one" (the API-like form of older pages) still works.
        one = request.POST.get("agent", "").strip()
        codes = [c for c in request.POST.getlist("agents") if c] if spread or not one else [one]
        agents_by_code = {a.code: a for a in Agent.objects.filter(scope_q(Agent, request.user), code__in=codes)}
        agents = [agents_by_code[c] for c in codes if c in agents_by_code]
        errors: list[str] = []
        if not selected:
            errors.append("Select the items to assign first.")
        if not agents:
            errors.append(
                "Tick the agents to share the items among (under “Spread evenly…”)."
                if spread
                else "Choose the agent to assign the selected items to."
            )
        elif not spread and len(agents) > 1:
            errors.append("Choose one agent, or pick “spread evenly” to share the items among several.")
        done = 0
        if not errors:
            items = work_item_list(user=request.user).filter(pk__in=selected).order_by("due_at", "-priority", "id")
            result = work_items_bulk_assign(
                actor=request.user,
                items=[(item, selected[item.pk]) for item in items],
                agents=agents,
                spread=spread,
            )
            done = len(result.assigned)
            errors.extend(result.failed)
            missing = len(selected) - items.count()
            if missing:
                errors.append(f"{missing} selected item(s) could not be found.")
        context = self.queue_context(params)
        context["bulk_done"] = done
        context["bulk_errors"] = errors
        context["bulk_mode"] = "spread" if spread else "one"
        context["oob"] = True
        if not _is_htmx(request):
            if done:
                messages.success(request, f"{done} item(s) assigned.")
            for error in errors:
                messages.error(request, error)
            return redirect(reverse("work:queue") + (f"?{context['filters']}" if context["filters"] else ""))
        return self.render_partial("work/_queue.html", context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.queue_context(self.queue_params(self.request.GET)))
        return context


class WorkItemDetailView(ScopedMixin, DetailView):
    capability = "work.view"
    model = WorkItem
    template_name = "work/item_detail.html"

    def get_queryset(self):
        return work_item_list(user=self.request.user).select_related("interaction", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item, user = self.object, self.request.user
        context["events"] = work_item_events(user=user, item=item)
        context["now"] = timezone.now()
        context["left"] = item.seconds_left()
        context["can_assign"] = self.can("work.assign") and item.is_open
        context["can_manage"] = self.can("work.manage") and item.is_open
        is_assignee = item.assignee is not None and item.assignee.user_id == user.pk
        context["actions"] = _agent_actions(item) if is_assignee or effective_role(user) == ADMIN else []
        if context["can_assign"]:
            context["candidates"] = list(assignable_agents(user=user, processes=[item.process]))
        return context


def _agent_actions(item: WorkItem) -> list[tuple[str, str, str, bool]]:
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


class StatusView(ScopedMixin, DetailView):
    """Start, hold, resume, complete (the assignee) or cancel (team leader / manager) an item."""

    capability = "work.view"
    model = WorkItem
    template_name = "work/status_form.html"

    def get_queryset(self):
        return work_item_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = _agent_actions(self.object)
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
                actor=request.user, item=item, to=to, note=note, expected_version=_int(request.POST.get("version"))
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
        start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        items = list(my_work(user=self.request.user, include_closed_since=start_of_day))
        for item in items:
            item.left = item.seconds_left(now)
            item.actions = _agent_actions(item)
        context["open_items"] = [i for i in items if i.is_open]
        context["closed_today"] = [i for i in items if not i.is_open]
        context["overdue"] = sum(1 for i in context["open_items"] if i.left < 0)
        context["agent"] = Agent.objects.filter(user=self.request.user).first()
        context["now"] = now
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
            initial["process"] = Process.objects.filter(scope_q(Process, self.request.user), code=code).first()
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("work:queue") if self.can("work.assign") else reverse("home")
        return context

    def form_valid(self, form):
        try:
            item = work_item_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
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
        changed = {k: v for k, v in data.items() if getattr(self.object, k) != v}
        try:
            item = work_item_update(
                actor=self.request.user,
                item=self.object,
                expected_version=_int(self.request.POST.get("version")),
                **changed,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Work item #{item.pk} saved.")
        return redirect(item.get_absolute_url())


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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


def _day_bounds(request, zone: str) -> tuple[datetime, datetime, str]:
    """The day asked for (`?date=`, today by default) as midnight to midnight in `zone`."""
    tz = ZoneInfo(zone)
    today = timezone.localdate(timezone=tz)
    raw = request.GET.get("date", "")
    try:
        day = parse_calendar_date(raw) if raw else today
    except ValueError:
        day = today
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end, day.isoformat()


def _queue_zone(user) -> tuple[str, list[str]]:
    """The zone whose days a page over the user's queues counts: their processes' one zone, or
    the portal's when they span several (the page then says so). Also returns all the zones."""
    zones = sorted(set(Process.objects.filter(scope_q(Process, user)).values_list("timezone", flat=True)))
    return (zones[0] if len(zones) == 1 else portal_zone()), zones


AUDIT_HEADER = [
    "item",
    "process",
    "title",
    "at",
    "actor",
    "event",
    "from_status",
    "to_status",
    "from_agent",
    "to_agent",
    "note",
]


def _audit_rows(events):
    for e in events:
        yield [
            e.work_item_id,
            e.work_item.process.code,
            e.work_item.title,
            timezone.localtime(e.at).isoformat(),
            e.actor.username if e.actor else "system",
            e.kind,
            e.from_status,
            e.to_status,
            e.from_agent.code if e.from_agent else "",
            e.to_agent.code if e.to_agent else "",
            e.note,
        ]


def _csv_response(filename: str, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeCsvWriter(response)  # text cells (titles, notes) neutralised against formula injection
    writer.writerow(AUDIT_HEADER)
    writer.writerows(rows)
    return response


class ChangesView(ScopedMixin, TemplateView):
    """What changed on a day (today by default) in the user's queues; `?export=csv` downloads it."""

    capability = "work.assign"
    template_name = "work/changes.html"

    def get(self, request, *args, **kwargs):
        self.zone, self.zones = _queue_zone(request.user)
        self.start, self.end, self.day = _day_bounds(request, self.zone)
        self.events = work_changes_on(user=request.user, start=self.start, end=self.end)
        if request.GET.get("export") == "csv":
            return _csv_response(f"work-changes-{self.day}.csv", _audit_rows(self.events.reverse()))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = list(self.events[:500])
        context.update(
            {
                "day": self.day,
                "events": events,
                "total": self.events.count(),
                "zone": self.zone,
                "mixed_zones": self.zones if len(self.zones) > 1 else [],
                "previous_day": (self.start.date() - timedelta(days=1)).isoformat(),
                "next_day": self.end.date().isoformat()
                if self.end.date() <= timezone.localdate(timezone=ZoneInfo(self.zone))
                else "",
                "summary": {
                    kind: sum(1 for e in events if e.kind == kind)
                    for kind in ("created", "assigned", "reassigned", "status")
                },
            }
        )
        return context


class ItemAuditCsvView(ScopedMixin, DetailView):
    """One item's audit trail as CSV."""

    capability = "work.view"
    model = WorkItem

    def get_queryset(self):
        return work_item_list(user=self.request.user)

    def get(self, request, *args, **kwargs):
        item = self.get_object()
        events = work_item_events(user=request.user, item=item)
        return _csv_response(f"work-item-{item.pk}-audit.csv", _audit_rows(events))


class SettingsView(ScopedMixin, TemplateView):
    """Per process: automatic assignment on/off and the cap of open items per agent; "assign
    now" runs the automatic assignment at once."""

    capability = "work.assign"
    template_name = "work/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        waiting = {
            row["process_id"]: row["n"]
            for row in work_item_list(user=self.request.user)
            .filter(status=Status.NEW, assignee__isnull=True)
            .values("process_id")
            .annotate(n=Count("id"))
        }
        staffed = {}
        for agent in assignable_agents(user=self.request.user):
            for process in agent.processes.all():
                staffed[process.pk] = staffed.get(process.pk, 0) + 1
        for process, settings in work_settings_list(user=self.request.user):
            rows.append(
                {
                    "process": process,
                    "settings": settings,
                    "waiting": waiting.get(process.pk, 0),
                    "agents": staffed.get(process.pk, 0),
                }
            )
        context["rows"] = rows
        return context

    def post(self, request, *args, **kwargs):
        code = request.POST.get("process", "")
        process = Process.objects.filter(scope_q(Process, request.user), code=code).first()
        if process is None:
            messages.error(request, "Choose a process.")
            return redirect("work:settings")
        if request.POST.get("action") == "run":
            count = work_items_auto_assign(process=process)
            if WorkSettings.objects.filter(process=process, auto_assign=True).exists():
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
