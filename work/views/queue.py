"""The team leader's queue: the page and its htmx partials, assigning one item and assigning
the selected items to one agent or spread across several."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from agents.models import Agent
from bpo_portal.pages import ScopedMixin
from work.models import Status, WorkItem, WorkType
from work.selectors import (
    DUE_SOON_HOURS,
    assignable_agents,
    due_soon_items,
    work_agent_find,
    work_agents_by_codes,
    work_item_list,
    work_items_selected,
    work_overdue_counts_by_process,
    work_process_list,
    work_queue,
)
from work.services import WorkItemConflict, work_item_assign, work_items_bulk_assign
from work.views.base import is_htmx, to_int

QUEUE_FILTERS = ("status", "process", "type", "assignee", "due", "q", "sort")
QUEUE_PAGE_SIZE = 100
SORTS = [
    ("due", "Due first"),
    ("-due", "Due last"),
    ("priority", "Highest priority"),
    ("age", "Oldest first"),
    ("-age", "Newest first"),
    ("status", "Status"),
]


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
            "processes": work_process_list(user=user),
            "statuses": Status.choices,
            "types": WorkType.choices,
            "sorts": SORTS,
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
        context.update(
            self.queue_context(self.queue_params(self.request.GET), to_int(self.request.GET.get("page")) or 1)
        )
        return context

    def get_template_names(self):
        if is_htmx(self.request) and self.request.headers.get("HX-Target") == "queue":
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
            agent = work_agent_find(user=request.user, code=code)
            if agent is None:
                return self._answer(item, error=f"No agent '{code}' that you may assign to.")
        try:
            item = work_item_assign(
                actor=request.user, item=item, agent=agent, expected_version=to_int(request.POST.get("version"))
            )
        except WorkItemConflict as exc:
            item.refresh_from_db()
            return self._answer(item, error=" ".join(exc.messages), status=409)
        except ValidationError as exc:
            return self._answer(item, error=" ".join(exc.messages), status=400)
        notice = f"Assigned to {agent.code}." if agent else "Unassigned."
        return self._answer(item, notice=notice)

    def _answer(self, item, *, error: str = "", notice: str = "", status: int = 200):
        if is_htmx(self.request):
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


def _selection(post) -> dict[int, int | None]:
    """{item id: the version the page showed} from the ticked `items` ("id:version")."""
    selected = {}
    for token in post.getlist("items"):
        pk, _, version = token.partition(":")
        if to_int(pk) is not None:
            selected[int(pk)] = to_int(version)
    return selected


def _refusals(selected, agents, spread: bool) -> list[str]:
    """Why a bulk assignment cannot start: nothing selected, no agent, several for "one"."""
    errors = []
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
    return errors


class BulkAssignView(QueueContextMixin, TemplateView):
    """Assign the selected items to one agent, or spread them evenly across the chosen agents."""

    capability = "work.assign"
    template_name = "work/_queue.html"

    def post(self, request, *args, **kwargs):
        params = self.queue_params(QueryDict(request.POST.get("filters", "")))
        selected = _selection(request.POST)
        spread = request.POST.get("mode") == "spread"
        # "Assign to" is one select (`agent`); "spread evenly" ticks several (`agents`). A client
        # that posts `agents` with mode "one" (the API-like form of older pages) still works.
        one = request.POST.get("agent", "").strip()
        codes = [c for c in request.POST.getlist("agents") if c] if spread or not one else [one]
        agents = work_agents_by_codes(user=request.user, codes=codes)
        errors = _refusals(selected, agents, spread)
        done = 0
        if not errors:
            items = work_items_selected(user=request.user, pks=selected)
            result = work_items_bulk_assign(
                actor=request.user, items=[(item, selected[item.pk]) for item in items], agents=agents, spread=spread
            )
            done = len(result.assigned)
            errors.extend(result.failed)
            if len(selected) > len(items):
                errors.append(f"{len(selected) - len(items)} selected item(s) could not be found.")
        context = self.queue_context(params)
        context.update(bulk_done=done, bulk_errors=errors, bulk_mode="spread" if spread else "one", oob=True)
        if not is_htmx(request):
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
