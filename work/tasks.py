"""Celery tasks of the work app: the periodic automatic-assignment sweep."""

from celery import shared_task

from processes.models import Process
from work.models import Status, WorkItem, WorkSettings
from work.services import work_items_auto_assign


@shared_task(name="work.auto_assign_unassigned", acks_late=True)
def auto_assign_unassigned(process_ids: list[int] | None = None) -> int:
    """Assign what is still unassigned on every process that assigns automatically (or on the
    given ones). Safe to run twice or concurrently: each process is assigned under its settings
    row lock, and an item already assigned is skipped. Returns how many items were assigned."""
    enabled = WorkSettings.objects.filter(auto_assign=True)
    if process_ids is not None:
        enabled = enabled.filter(process_id__in=process_ids)
    waiting = WorkItem.objects.filter(status=Status.NEW, assignee__isnull=True).values("process_id")
    assigned = 0
    for process in Process.objects.filter(pk__in=enabled.values("process_id")).filter(pk__in=waiting):
        assigned += work_items_auto_assign(process=process)
    return assigned
