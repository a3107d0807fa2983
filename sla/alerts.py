"""SLA breach alerts: when a target of a running month turns at risk or missed, the process's
operations managers are emailed once per change of state, however often the KPIs are
recomputed. The last state per (process, metric, month) is kept in `SlaAlert`."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.scoping import OPS_MANAGER
from bpo_portal import metrics, units
from processes.models import Process
from sla import compliance
from sla.models import SlaAlert
from sla.reports.data import fmt

log = logging.getLogger(__name__)

ALERTING = ("at_risk", "missed")
# A month is still evaluated this many local days after it ends, so its final "missed" is told.
GRACE_DAYS = 3


def ops_managers_for(client):
    """Operations managers assigned to the client, and those assigned to no client (who see all)."""

    return (
        User.objects.filter(role=OPS_MANAGER, is_active=True)
        .filter(Q(assigned_clients=client) | Q(assigned_clients__isnull=True))
        .distinct()
        .order_by("username")
    )


def sla_alerts_evaluate(*, now: datetime | None = None, process_ids=None) -> dict:
    """Evaluate every SLA target of the running month (and of last month during its first
    GRACE_DAYS local days) and alert on each change into at risk or missed.

    Safe to run concurrently: a state change is claimed with a conditional update (or an insert
    guarded by the unique key), and only the run that wins it sends the email.
    """
    now = now or timezone.now()
    processes = Process.objects.filter(active=True, sla_targets__isnull=False).select_related("client").distinct()
    if process_ids is not None:
        processes = processes.filter(pk__in=process_ids)
    by_month = defaultdict(list)
    for process in processes:
        today = compliance.local_today(process, now)
        by_month[today.replace(day=1)].append(process)
        if today.day <= GRACE_DAYS:
            by_month[(today.replace(day=1) - timedelta(days=1)).replace(day=1)].append(process)
    changed, alerted = 0, []
    for month, group in by_month.items():
        existing = {
            (a.process_id, a.metric): a for a in SlaAlert.objects.filter(process__in=[p.pk for p in group], month=month)
        }
        for pm in compliance.process_months(group, month, now=now):
            for status in pm.targets:
                alert = existing.get((pm.process.pk, status.metric))
                won = _claim(alert, pm, status, month, now)
                if won is None:
                    continue
                changed += 1
                if status.status in ALERTING:
                    alerted.append(won)
    sent = _notify(alerted) if alerted else 0
    return {"changed": changed, "alerted": len(alerted), "emails": sent}


def _claim(alert, pm, status, month, now):
    """Record the new state if it differs; returns the alert row when this run made the change."""
    values = {
        "state": status.status,
        "actual": status.actual,
        "projected": status.projected,
        "target": float(status.target.target),
        "comparator": status.target.comparator,
        "changed_at": now,
    }
    if alert is None:
        try:
            with transaction.atomic():
                return SlaAlert.objects.create(process=pm.process, metric=status.metric, month=month, **values)
        except IntegrityError:  # another run recorded it first
            return None
    if alert.state == status.status:
        # Same state: keep the figures fresh for the page, no email.
        SlaAlert.objects.filter(pk=alert.pk, state=alert.state).update(actual=status.actual, projected=status.projected)
        return None
    won = SlaAlert.objects.filter(pk=alert.pk, state=alert.state).update(**values)
    if not won:
        return None
    alert.refresh_from_db()
    alert.process = pm.process
    return alert


def _notify(alerts) -> int:
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    messages = []
    for alert in alerts:
        process = alert.process
        recipients = [u.email for u in ops_managers_for(process.client) if u.email]
        unit = metrics.unit(alert.metric)
        label = metrics.label(alert.metric)
        state = "missed" if alert.state == "missed" else "at risk"
        goal = units.target(alert.comparator, alert.target, unit)
        subject = f"[SLA {state}] {process.code} {label} {goal} ({alert.month:%B %Y})"
        lines = [
            f"{process.client.name} / {process.name} ({process.code})",
            f"Target: {label} {goal}",
            f"Month to date: {fmt(alert.actual, unit)}",
        ]
        if alert.projected is not None:
            lines.append(f"Projected month end: {fmt(alert.projected, unit)}")
        lines.append(f"Process dashboard: {base}{reverse('dashboards:process', kwargs={'code': process.code})}")
        lines.append(f"All alerts: {base}{reverse('reports:list')}#alerts")
        SlaAlert.objects.filter(pk=alert.pk).update(notified=len(recipients))
        if recipients:
            messages.append((subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, recipients))
    try:
        return send_mass_mail(messages, fail_silently=False) if messages else 0
    except Exception:  # the alert stays visible on the pages; the next change emails again
        log.exception("Could not send SLA alert emails")
        return 0


def open_alert_counts(alerts, *, today) -> list[dict]:
    """The open alerts of `alerts` (a SlaAlert queryset) counted per month, newest month first:
    [{"month", "label" ("this month", "last month" or ""), "at_risk", "missed", "total"}]. A notice
    says which month each count is of: the overview's table beside it counts the period it shows
    (this month by default), so a missed target of last month must not read as one of this month."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    words = {this_month: "this month", last_month: "last month"}
    counts: dict = {}
    for month, state in alerts.filter(state__in=ALERTING).values_list("month", "state"):
        entry = counts.setdefault(month, {"month": month, "label": words.get(month, ""), "at_risk": 0, "missed": 0})
        entry[state] += 1
    result = sorted(counts.values(), key=lambda e: e["month"], reverse=True)
    for entry in result:
        entry["total"] = entry["at_risk"] + entry["missed"]
    return result
