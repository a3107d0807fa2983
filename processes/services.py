from django.core.exceptions import ValidationError
from django.db import transaction

from bpo_portal.services import set_fields, validated_save
from processes.models import Process, SLATarget

PROCESS_FIELDS = {
    "code",
    "name",
    "channel",
    "timezone",
    "sl_threshold_seconds",
    "short_abandon_seconds",
    "fcr_window_days",
    "sl_formula",
    "tat_hours",
    "active",
}
TARGET_FIELDS = ("metric", "comparator", "target", "credit_percent")


def _replace_targets(process: Process, targets: list[dict]) -> None:
    """Make the process's SLA targets exactly `targets`: all validated first, then written.

    Errors are reported as "target N (metric): field: message", N counting from 1.
    """
    errors: list[str] = []
    seen: set[str] = set()
    objects = []
    for number, data in enumerate(targets, start=1):
        label = f"target {number} ({data.get('metric') or 'no metric'})"
        unknown = sorted(set(data) - set(TARGET_FIELDS))
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
    set_fields(process, fields, allowed=PROCESS_FIELDS)
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
    set_fields(process, fields, allowed=PROCESS_FIELDS)
    validated_save(process)
    if sla_targets is not None:
        _replace_targets(process, sla_targets)
    return process
