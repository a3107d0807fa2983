"""The template CSV offered on the Imports page: the header and three example rows that import
as they are."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from processes.imports.rules import COLUMNS
from processes.imports.scope import importable_processes, nameable_agents
from processes.models import Process

TEMPLATE_PLACEHOLDER_PROCESS = "YOUR-PROCESS-CODE"
TEMPLATE_PLACEHOLDER_AGENT = "YOUR-AGENT-CODE"


def import_template(user, *, now: datetime | None = None) -> tuple[str, Process | None, bool]:
    """A CSV file that imports as it is: the header with every column of IMPORT_FORMAT.md in its
    order, and three example rows (an answered inbound contact, an abandoned one, an answered
    outbound one) dated yesterday, 09:00–10:05 in the process's own time zone with its offset.

    The rows are for the first process (by code) `user` may import into, and name an agent
    staffed on it whom they may name. Returns (text, that process or None, whether an agent was
    found); without a process or an agent the codes are placeholders to replace (said on the page)."""
    now = now or timezone.now()
    process = importable_processes(user).order_by("code").first()
    agent = None
    if process is not None:
        agent = nameable_agents(user).filter(processes=process).order_by("code").first()
    zone = ZoneInfo(process.timezone) if process else UTC
    day = now.astimezone(zone).date() - timedelta(days=1)

    def at(hour: int, minute: int, second: int = 0) -> str:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone).isoformat()

    code = process.code if process else TEMPLATE_PLACEHOLDER_PROCESS
    agent_code = agent.code if agent else TEMPLATE_PLACEHOLDER_AGENT
    channel = process.channel if process else ""
    examples = _examples(code, agent_code, channel, day.strftime("%Y%m%d"), at)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(examples)
    return out.getvalue(), process, agent is not None


def _examples(code: str, agent_code: str, channel: str, stamp: str, at) -> list[dict[str, str]]:
    """The three example rows: an answered inbound contact, an abandoned one, an answered
    outbound one; `at(hour, minute, second=0)` gives the ISO text of a time of the day."""
    return [
        {
            "external_id": f"EXAMPLE-{stamp}-1",
            "process": code,
            "agent": agent_code,
            "channel": channel,
            "direction": "inbound",
            "customer_ref": "CUST-1001",
            "arrived_at": at(9, 0),
            "answered_at": at(9, 0, 12),
            "ended_at": at(9, 5, 12),
            "talk_seconds": "280",
            "hold_seconds": "0",
            "wrap_seconds": "20",
            "abandoned": "false",
            "resolved": "true",
            "csat": "5",
            "disposition": "resolved",
        },
        {
            "external_id": f"EXAMPLE-{stamp}-2",
            "process": code,
            "channel": channel,
            "direction": "inbound",
            "customer_ref": "CUST-1002",
            "arrived_at": at(9, 2),
            "ended_at": at(9, 2, 40),
            "abandoned": "true",
        },
        {
            "external_id": f"EXAMPLE-{stamp}-3",
            "process": code,
            "agent": agent_code,
            "channel": channel,
            "direction": "outbound",
            "customer_ref": "CUST-1002",
            "arrived_at": at(10, 0),
            "answered_at": at(10, 0, 5),
            "ended_at": at(10, 5, 5),
            "talk_seconds": "290",
            "hold_seconds": "0",
            "wrap_seconds": "10",
            "abandoned": "false",
            "resolved": "true",
            "disposition": "callback",
        },
    ]
