from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from bpo_portal.services import set_fields, validated_save
from bpo_portal.tasks import enqueue_on_commit
from processes import ledger
from processes.models import ImportJob, Interaction, Process, SLATarget
from processes.tasks import run_import_job


def _replace_targets(process: Process, targets: list[dict]) -> None:
    """Make the process's SLA targets exactly `targets`: all validated first, then written.

    Errors are reported as "target N (metric): field: message", N counting from 1.
    """
    errors: list[str] = []
    seen: set[str] = set()
    objects = []
    for number, data in enumerate(targets, start=1):
        label = f"target {number} ({data.get('metric') or 'no metric'})"
        unknown = sorted(set(data) - set(SLATarget.EDITABLE_FIELDS))
        if unknown:
            errors.append(f"{label}: unknown field(s) {', '.join(unknown)}.")
            continue
        target = SLATarget(process=process, **data)
        try:
            target.full_clean(exclude=["process"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                prefix = "" if field == "__all__" else f"{field}: "
                errors.extend(f"{label}: {prefix}{message}" for message in messages)
        if target.metric in seen:
            errors.append(f"{label}: only one target per metric.")
        seen.add(target.metric)
        objects.append(target)
    if errors:
        raise ValidationError({"sla_targets": errors})
    process.sla_targets.all().delete()
    SLATarget.objects.bulk_create(objects)


@transaction.atomic
def process_create(*, actor, client, code: str, name: str, channel: str, sla_targets=None, **fields) -> Process:
    """Create a process of `client` (already checked visible to `actor`).

    The time zone defaults to the client's; KPI settings default to KPIS.md's values.
    """
    process = Process(client=client, code=code, name=name, channel=channel)
    set_fields(process, fields, allowed=set(Process.EDITABLE_FIELDS))
    if not process.timezone:
        process.timezone = client.timezone
    validated_save(process)
    if sla_targets:
        _replace_targets(process, sla_targets)
    return process


@transaction.atomic
def process_update(*, actor, process: Process, sla_targets=None, client=None, **fields) -> Process:
    """Change a process's fields; `sla_targets`, when given, replaces the whole list.

    A process never moves to another client: its history belongs to that client.
    """
    if client is not None and client.pk != process.client_id:
        raise ValidationError({"client": "A process cannot move to another client; create a new process."})
    before = {name: getattr(process, name) for name in Process.KPI_SETTINGS}
    set_fields(process, fields, allowed=set(Process.EDITABLE_FIELDS))
    validated_save(process)
    if sla_targets is not None:
        _replace_targets(process, sla_targets)
    changed = {name for name in Process.KPI_SETTINGS if getattr(process, name) != before[name]}
    if "timezone" in changed:
        interaction_reattribute_days(process=process)
    if changed & {"fcr_window_days", "short_abandon_seconds"}:
        ledger.refresh_repeat_flags(process)
    if changed:
        ledger.mark_all_days(process)
        ledger.days_marked([process.pk])
    return process


def interaction_reattribute_days(*, process: Process, batch_size: int = 5000) -> int:
    """Re-derive every interaction's local day after the process's time zone changed.

    The old days are marked for recomputation too (they lose these interactions); the caller
    marks the new days. Returns the number of interactions moved to another day.
    """
    zone = ZoneInfo(process.timezone)
    moved = []
    total = 0
    old_days = set()
    for pk, arrived_at, local_date in process.interactions.values_list("pk", "arrived_at", "local_date").iterator(
        chunk_size=batch_size
    ):
        new_date = arrived_at.astimezone(zone).date()
        if new_date != local_date:
            moved.append(Interaction(pk=pk, local_date=new_date))
            old_days.add(local_date)
            total += 1
        if len(moved) >= batch_size:
            process.interactions.bulk_update(moved, ["local_date"])
            moved.clear()
    process.interactions.bulk_update(moved, ["local_date"])
    pairs = {(process.pk, d) for day in old_days for d in ledger.affected_days(day, process.fcr_window_days)}
    with connection.cursor() as cursor:
        ledger.upsert_marks(cursor, pairs, timezone.now())
    return total


@transaction.atomic
def import_job_create(*, actor, upload):
    """Store an uploaded CSV file and queue its import (run in-process in the embedded default)."""
    job = ImportJob.objects.create(
        created_by=actor, file=upload, original_name=upload.name[:255], size_bytes=upload.size or 0
    )
    # If the broker is down the job stays queued (stored file and row) and the worker's sweep
    # (processes.requeue_stale_imports) queues it again once the broker is back.
    enqueue_on_commit(run_import_job, job.pk)
    return job
