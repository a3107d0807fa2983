"""CSV import of work items, with the interaction import's rules: UTF-8 (BOM accepted), header
first, columns in any order, unknown columns an error, all or nothing, every error reported as
"line N, column C: reason" (the first 100, then a count), scoped to the caller's processes.

A row with an `external_id` that its process already has updates that item in place (when it is
still open and something changed), so importing the same file twice changes nothing the second
time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.scoping import scope_q
from agents.models import Agent
from processes.imports import ImportFailed, ImportReport
from processes.imports.csv_reader import csv_records
from processes.models import Process
from work.models import PRIORITY_BY_NAME, WorkItem, WorkType
from work.services import default_due_at, work_item_assign, work_item_create, work_item_update, work_items_auto_assign

COLUMNS = (
    "external_id",
    "process",
    "type",
    "title",
    "details",
    "customer_ref",
    "priority",
    "received_at",
    "due_at",
    "assignee",
)
REQUIRED_COLUMNS = ("process", "title")
MAX_ROWS = 10_000


@dataclass
class WorkImportReport(ImportReport):
    unchanged: int = 0
    auto_assigned: int = 0


def _time(value: str):
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"'{value}' is not an ISO-8601 timestamp (e.g. 2026-10-01T09:00:00+05:30)"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"'{value}' has no UTC offset: add one such as +05:30 or Z (naive timestamps are rejected)"
    return parsed


class _Validator:
    def __init__(self, user):
        processes = Process.objects.select_related("client")
        if user is not None:
            processes = processes.filter(scope_q(Process, user))
        self.processes = {p.code: p for p in processes}
        # Every agent by code: one outside the caller's processes is refused as not staffed there.
        agents = Agent.objects.unscoped(
            "assignee codes are looked up portal-wide, then checked against the row's process"
        )
        self.agents = {a.code: a for a in agents.prefetch_related("processes")}
        self.seen: dict[tuple[int, str], int] = {}

    def validate(self, line: int, row: dict[str, str], report: ImportReport) -> dict | None:
        """The item's fields from one record, or None after adding its errors to `report` (in
        the order of the columns below)."""
        errors: list[tuple[str, str]] = []
        process = self._process(row["process"], errors)
        external_id = row["external_id"]
        self._external_id(line, external_id, process, errors)
        kind = row["type"] or WorkType.BACK_OFFICE
        if kind not in WorkType.values:
            errors.append(("type", f"'{kind}' is not one of {', '.join(WorkType.values)}"))
        title = row["title"]
        if not title:
            errors.append(("title", "required"))
        elif len(title) > 200:
            errors.append(("title", "longer than 200 characters"))
        if len(row["customer_ref"]) > 100:
            errors.append(("customer_ref", "longer than 100 characters"))
        priority_name = (row["priority"] or "normal").lower()
        priority = PRIORITY_BY_NAME.get(priority_name)
        if priority is None:
            errors.append(("priority", f"'{row['priority']}' is not one of {', '.join(PRIORITY_BY_NAME)}"))
        received, due = _times(row["received_at"], row["due_at"], errors)
        agent = self._assignee(row["assignee"], process, errors)
        if errors:
            for column, message in errors:
                report.add_error(line, column, message)
            return None
        return {
            "line": line,
            "process": process,
            "external_id": external_id,
            "type": kind,
            "title": title,
            "details": row["details"],
            "customer_ref": row["customer_ref"],
            "priority": priority,
            "received_at": received,
            "due_at": due,
            "assignee": agent,
        }

    def _process(self, code: str, errors: list) -> Process | None:
        if not code:
            errors.append(("process", "required"))
            return None
        if code not in self.processes:
            errors.append(("process", f"no process '{code}' that you may import into"))
            return None
        return self.processes[code]

    def _external_id(self, line: int, external_id: str, process: Process | None, errors: list) -> None:
        """Too long, or seen before in this file for the same process."""
        if len(external_id) > 100:
            errors.append(("external_id", "longer than 100 characters"))
        elif external_id and process is not None:
            key = (process.pk, external_id)
            if key in self.seen:
                errors.append(("external_id", f"'{external_id}' appears twice (first on line {self.seen[key]})"))
            self.seen.setdefault(key, line)

    def _assignee(self, code: str, process: Process | None, errors: list) -> Agent | None:
        if not code:
            return None
        agent = self.agents.get(code)
        if agent is None:
            errors.append(("assignee", f"no agent '{code}'"))
        elif not agent.active:
            errors.append(("assignee", f"agent {agent.code} is inactive"))
        elif process is not None and process not in agent.processes.all():
            errors.append(("assignee", f"agent {agent.code} is not staffed on process {process.code}"))
        return agent


def _times(received_text: str, due_text: str, errors: list) -> tuple[datetime | None, datetime | None]:
    """received_at and due_at (None when empty or not readable, with the error added)."""
    received = due = None
    if received_text:
        received = _time(received_text)
        if isinstance(received, str):
            errors.append(("received_at", received))
            received = None
    if due_text:
        due = _time(due_text)
        if isinstance(due, str):
            errors.append(("due_at", due))
            due = None
        elif received is not None and due < received:
            errors.append(("due_at", "is before received_at"))
    return received, due


def _rows(stream, report: ImportReport):
    """(line, {column: value}) per data line, read by the interaction import's CSV reader (the
    codecs decoder it always used: the line of a UTF-8 error follows the decoder's pieces)."""
    for line, values in csv_records(stream, report, columns=COLUMNS, required=REQUIRED_COLUMNS, buffered=False):
        report.rows += 1
        if report.rows > MAX_ROWS:
            report.add_error(line, "", f"more than {MAX_ROWS:,} rows: split the file")
            return
        yield line, dict(zip(COLUMNS, values))


def import_work_items(stream, *, user, actor=None) -> WorkImportReport:
    """Import a CSV file of work items, all or nothing; raises ImportFailed (nothing written)
    listing every error. `user` scopes the processes (None: any process, for the command line);
    `actor` is recorded in the audit trail (defaults to `user`)."""
    report = WorkImportReport()
    validator = _Validator(user)
    valid = [row for line, values in _rows(stream, report) if (row := validator.validate(line, values, report))]
    if report.error_count:
        raise ImportFailed(report)
    actor = actor if actor is not None else user
    existing = {
        (item.process_id, item.external_id): item
        for item in WorkItem.objects.of(process__in={row["process"] for row in valid})
        .filter(external_id__in={row["external_id"] for row in valid if row["external_id"]})
        .select_related("process", "assignee")
    }
    processes = {}
    with transaction.atomic():
        for row in valid:
            process = row.pop("process")
            line = row.pop("line")
            processes[process.pk] = process
            item = existing.get((process.pk, row["external_id"])) if row["external_id"] else None
            try:
                if item is None:
                    work_item_create(actor=actor, process=process, auto_assign=False, **row)
                    report.created += 1
                else:
                    report_update(actor, item, row, report)
            except ValidationError as exc:
                for message in exc.messages:
                    report.add_error(line, "", message)
        if report.error_count:
            raise ImportFailed(report)  # rolls back every row written above
        for process in processes.values():
            report.auto_assigned += work_items_auto_assign(process=process)
    return report


def report_update(actor, item: WorkItem, row: dict, report: WorkImportReport) -> None:
    """Update an already imported item in place when it is open and something changed."""
    agent = row.pop("assignee")
    row.pop("external_id")
    if row["received_at"] is None:
        row["received_at"] = item.received_at
    if row["due_at"] is None:
        row["due_at"] = default_due_at(item.process, row["received_at"])
    changes = {name: value for name, value in row.items() if getattr(item, name) != value}
    if not item.is_open or (not changes and (agent is None or agent.pk == item.assignee_id)):
        report.unchanged += 1
        return
    if changes:
        item = work_item_update(actor=actor, item=item, **changes)
    if agent is not None and agent.pk != item.assignee_id:
        work_item_assign(actor=actor, item=item, agent=agent)
    report.updated += 1
