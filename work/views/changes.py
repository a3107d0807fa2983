"""What changed on a day in the user's queues, and an item's audit trail, on the page and as CSV."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from bpo_portal.exports import SafeCsvWriter
from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import parse_calendar_date
from work.models import WorkItem
from work.selectors import work_changes_on, work_changes_page, work_day_zone, work_item_events, work_item_list

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
        self.zone, self.zones = work_day_zone(user=request.user)
        self.start, self.end, self.day = _day_bounds(request, self.zone)
        if request.GET.get("export") == "csv":
            events = work_changes_on(user=request.user, start=self.start, end=self.end)
            return _csv_response(f"work-changes-{self.day}.csv", _audit_rows(events.reverse()))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        changes = work_changes_page(user=self.request.user, start=self.start, end=self.end)
        today = timezone.localdate(timezone=ZoneInfo(self.zone))
        context.update(
            {
                "day": self.day,
                "events": changes.events,
                "total": changes.total,
                "zone": self.zone,
                "mixed_zones": self.zones if len(self.zones) > 1 else [],
                "previous_day": (self.start.date() - timedelta(days=1)).isoformat(),
                "next_day": self.end.date().isoformat() if self.end.date() <= today else "",
                "summary": changes.summary,
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
