"""Shared set-up for the benchmarks: Django on a throw-away database, bench master data."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_setup(database_url: str | None = None):
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def create_master_data(processes=10, agents_per_process=40, prefix="BENCH", timezone="Europe/London"):
    """Processes PREFIX-P00… of one client and agents PREFIX-P00-A000… staffed on them
    (the names bench/gen_interactions.py writes)."""
    from agents.models import Agent, Team
    from clients.models import Client
    from processes.models import Process

    client, _ = Client.objects.get_or_create(code=prefix, defaults={"name": f"{prefix} client", "timezone": timezone})
    for p in range(processes):
        process, _ = Process.objects.get_or_create(
            code=f"{prefix}-P{p:02d}",
            defaults={"client": client, "name": f"Process {p}", "channel": "voice", "timezone": timezone},
        )
        team, _ = Team.objects.get_or_create(code=f"{prefix}-T{p:02d}", defaults={"name": f"Team {p}"})
        agents = Agent.objects.bulk_create(
            [Agent(code=f"{process.code}-A{a:03d}", name=f"Agent {a}", team=team) for a in range(agents_per_process)],
            ignore_conflicts=True,
        )
        through = Agent.processes.through
        ids = Agent.objects.filter(code__startswith=f"{process.code}-A").values_list("pk", flat=True)
        through.objects.bulk_create([through(agent_id=i, process_id=process.pk) for i in ids], ignore_conflicts=True)
        del agents
    return client
