"""The SLA sections of the client user's home page (registered in SlaConfig.ready; accounts
renders them without knowing any figure): this month's SLA status and the latest report."""

from __future__ import annotations

from accounts.registry import HomeSection, register_home_section
from accounts.scoping import CLIENT, scope_q
from processes.models import Process
from sla import compliance
from sla.reports.selectors import reports_for_client


def client_sla(request):
    """This month's SLA status of the client's active processes (each month in the process's zone)."""

    client = request.user.client
    if client is None:
        return None
    processes = list(
        Process.objects.filter(scope_q(Process, request.user), client=client, active=True).order_by("code")
    )
    months = []
    for process in processes:
        months.extend(compliance.process_months([process], compliance.local_today(process).replace(day=1)))
    labels = sorted({pm.month for pm in months})
    return {
        "client": client,
        "months": months,
        "months_label": " / ".join(f"{month:%B %Y}" for month in labels),
        "zone": compliance.zone_note(processes) if processes else client.timezone,
    }


def client_latest_report(request):
    client = request.user.client
    if client is None:
        return None
    reports = reports_for_client(user=request.user, client=client)
    return {"client": client, "report": reports[0] if reports else None}


def register():
    # The keys are those from before the split of `reporting` (they order the sections and
    # name them in the page: data-section).
    register_home_section(
        HomeSection(
            key="reporting.client_sla",
            roles=frozenset({CLIENT}),
            template="sla/_home_client_sla.html",
            context=client_sla,
            order=10,
            width=8,
        )
    )
    register_home_section(
        HomeSection(
            key="reporting.client_report",
            roles=frozenset({CLIENT}),
            template="sla/_home_client_report.html",
            context=client_latest_report,
            order=20,
            width=4,
        )
    )
