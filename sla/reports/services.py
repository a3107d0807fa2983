"""Writes for monthly reports: generate a version (files first, then one transaction switches the
current version), queue a generation, record a download, tell client users a report is ready."""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.scoping import CLIENT
from bpo_portal.replica import reads_from_replica
from bpo_portal.tasks import enqueue_safely
from clients.models import Client
from reporting.models import DailyKpi
from sla.models import Report, ReportDownload, ReportEmailPreference, ReportStatus, ReportVersion
from sla.reports import render
from sla.reports.data import report_data_build
from sla.reports.drift import snapshot_of_data

log = logging.getLogger(__name__)


def reports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "reports"


def _report_row(*, client, month: date) -> Report:
    try:
        report, _ = Report.objects.of(client=client).get_or_create(client=client, month=month.replace(day=1))
    except IntegrityError:  # created concurrently
        report = Report.objects.of(client=client).get(month=month.replace(day=1))
    return report


def report_generate(
    *, client, month: date, actor=None, trigger: str = "manual", notify: bool = True, now: datetime | None = None
) -> ReportVersion:
    """Generate the three files of `client`'s report for `month` as a new version and make it
    the current one.

    Files are written to a private temporary folder first; only when all three are complete is
    the folder renamed into place and, in one transaction, the version recorded and the report's
    `current` switched. Any failure removes the new files, marks the report failed with the
    reason, keeps the previous version current (still served), and re-raises (for retries).
    Safe to run twice: each run adds a version; exactly one is current.
    """
    month = month.replace(day=1)
    report = _report_row(client=client, month=month)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    folder = reports_root() / client.code / f"{month:%Y-%m}"
    files = _Files(folder, f"{client.code}-{month:%Y-%m}-sla-report")
    started = time.perf_counter()
    try:
        # From the read replica only when it has replayed everything written so far (never a
        # lagging one), else the primary (bpo_portal.replica).
        with reads_from_replica(strict=True):
            data = report_data_build(client=client, month=month, now=now)
        files.work.mkdir(parents=True)
        with transaction.atomic():
            number = (ReportVersion.objects.filter(report=report).aggregate(n=Max("number"))["n"] or 0) + 1
        render.write_csv(data, files.work / f"{files.base}.csv")
        render.write_xlsx(data, files.work / f"{files.base}.xlsx")
        render.write_pdf(data, files.work / f"{files.base}.pdf", version_number=number)
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report.pk)
            # Another run may have finished meanwhile: numbers stay unique and increasing.
            number = max(number, (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1)
            version = _publish(report, files, number, data, actor=actor, trigger=trigger, started=started)
            if notify:
                transaction.on_commit(lambda: _notify_quietly(report.pk))
    except Exception as exc:
        shutil.rmtree(files.work, ignore_errors=True)
        if (
            files.final is not None
            and not ReportVersion.objects.filter(report_id=report.pk, pdf__startswith=_rel(files.final)).exists()
        ):
            shutil.rmtree(files.final, ignore_errors=True)
        Report.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        log.exception("Report %s %s failed", client.code, f"{month:%Y-%m}")
        raise
    return version


class _Files:
    """Where a run writes: a private temporary folder, renamed to its version's folder (`final`,
    set as soon as the rename happened, so a failure after it knows what to remove)."""

    def __init__(self, folder: Path, base: str):
        self.folder, self.base = folder, base
        self.work = folder / f".tmp-{uuid.uuid4().hex}"
        self.final: Path | None = None


def _publish(report: Report, files: _Files, number: int, data, *, actor, trigger: str, started: float):
    """Inside the locking transaction: move the complete files into place as version `number`,
    record it and make it the report's current version."""
    files.final = files.folder / f"v{number}-{uuid.uuid4().hex[:8]}"
    files.work.rename(files.final)
    relative = files.final.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    base = files.base
    version = ReportVersion.objects.create(
        report=report,
        number=number,
        created_at=timezone.now(),
        created_by=actor,
        trigger=trigger,
        kpi_definition_version=data.kpi_definition_version,
        figures_computed_at=data.figures_computed_at,
        duration_ms=round((time.perf_counter() - started) * 1000),
        pdf=f"{relative}/{base}.pdf",
        xlsx=f"{relative}/{base}.xlsx",
        csv=f"{relative}/{base}.csv",
        pdf_size=(files.final / f"{base}.pdf").stat().st_size,
        xlsx_size=(files.final / f"{base}.xlsx").stat().st_size,
        csv_size=(files.final / f"{base}.csv").stat().st_size,
        summary=data.summary(),
        snapshot=snapshot_of_data(data),
    )
    report.current = version
    report.status = ReportStatus.READY
    report.error = ""
    if actor is not None:
        report.requested_by = actor
    report.save()
    return version


def _rel(path: Path) -> str:
    return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()


def _notify_quietly(report_id: int) -> None:
    try:
        report_notify_ready(report_id=report_id)
    except Exception:  # the report is ready whatever the mail server says
        log.exception("Could not email that report %s is ready", report_id)


def report_request(*, client, month: date, actor=None, trigger: str = "manual") -> Report:
    """Queue a (re)generation: the report shows "queued" until a worker picks it up; the task
    runs after this transaction commits. The current version stays served meanwhile."""
    from sla.tasks import generate_report  # noqa: PLC0415 - sla.tasks imports this module

    report = _report_row(client=client, month=month)
    Report.objects.of(client=client).filter(pk=report.pk).update(
        status=ReportStatus.QUEUED, requested_by=actor, updated_at=timezone.now()
    )
    args = (client.pk, month.replace(day=1).isoformat())
    kwargs = {"actor_id": actor.pk if actor else None, "trigger": trigger}

    def enqueue():
        try:
            enqueue_safely(generate_report, *args, **kwargs)  # a dead broker is logged, not raised
        except Exception:  # eager mode runs it here: the failure is already recorded on the report
            log.exception("Report generation for %s %s failed", client.code, args[1])

    transaction.on_commit(enqueue)
    report.refresh_from_db()
    return report


def report_record_download(*, version: ReportVersion, user, fmt: str) -> ReportDownload:
    return ReportDownload.objects.create(version=version, user=user, fmt=fmt, downloaded_at=timezone.now())


def report_email_preference_set(*, user, enabled: bool) -> ReportEmailPreference:
    preference, _ = ReportEmailPreference.objects.update_or_create(user=user, defaults={"enabled": enabled})
    return preference


def report_notify_ready(*, report_id: int) -> int:
    """Email the client's users (with an address, who have not turned it off) that a new version
    of a report is ready. Returns the number of emails sent."""

    report = Report.objects.select_related("client", "current").get(pk=report_id)
    if report.current is None:
        return 0
    users = (
        User.objects.filter(role=CLIENT, client=report.client, is_active=True)
        .exclude(email="")
        .exclude(report_email__enabled=False)
    )
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    link = f"{base}{reverse('dashboards:portal')}#reports"
    label = f"{report.month:%B %Y}"
    updated = report.current.number > 1
    subject = f"{'Updated' if updated else 'New'} SLA report for {label}: {report.client.name}"
    summary = report.current.summary or {}
    body = (
        f"The {'updated ' if updated else ''}service level report of {report.client.name} for {label} is ready "
        f"(version {report.current.number}).\n\n"
        f"Targets met: {summary.get('met', 0)}, missed: {summary.get('missed', 0)}; "
        f"service credit: {summary.get('credit_percent', '0')} % of the monthly fee.\n\n"
        f"Download it (PDF, Excel, CSV) from the portal: {link}\n\n"
        "You receive this because you are a portal user of this client; you can turn these emails off "
        "on the same page."
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [u.email]) for u in users]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


def reports_generate_month(*, month: date, clients=None, actor=None, trigger: str = "command", notify: bool = True):
    """Generate `month` for each client (all active by default), one after the other; returns
    [(client, version or exception)] so a failure of one does not stop the others."""

    clients = list(clients if clients is not None else Client.objects.filter(active=True).order_by("code"))
    results = []
    for client in clients:
        try:
            results.append(
                (client, report_generate(client=client, month=month, actor=actor, trigger=trigger, notify=notify))
            )
        except Exception as exc:  # recorded on the report; go on with the next client
            results.append((client, exc))
    return results


def reports_demo_last_month() -> list[str]:
    """Demo seeding: last month's report of every active client, when it has none yet and the
    demo has figures for that month (a short history may not reach back to it)."""

    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    made = []
    for client in Client.objects.filter(active=True).order_by("code"):
        if Report.objects.filter(client=client, month=month, current__isnull=False).exists():
            continue
        if not DailyKpi.objects.filter(client=client, local_date__range=(month, month_end)).exists():
            continue
        version = report_generate(client=client, month=month, trigger="demo", notify=False)
        made.append(f"{client.code} {month:%Y-%m} v{version.number}")
    return made
