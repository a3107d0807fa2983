"""Benchmark of the scoped master-data reads: how the tenant scoping holds up at BPO scale.

Builds (in a throw-away database) 50 clients x 6 processes, 400 teams and 10,000 agents, then
times the scoped API list of agents and processes for each role through Django's test client.
Run with `make bench` (SQLite) or with DATABASE_URL pointing at PostgreSQL. Prints a table.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import get_runner  # noqa: E402


def build():
    from accounts.models import Role, User
    from agents.models import Agent, Team
    from clients.models import Client
    from processes.models import Process

    clients = Client.objects.bulk_create(
        [Client(code=f"C{i:03d}", name=f"Client {i}", timezone="Europe/London") for i in range(50)]
    )
    processes = Process.objects.bulk_create(
        [
            Process(code=f"C{c:03d}-P{p}", client=client, name=f"Process {p}", channel="voice", timezone="UTC")
            for c, client in enumerate(clients)
            for p in range(6)
        ]
    )
    leaders = User.objects.bulk_create([User(username=f"tl{i}", role=Role.TEAM_LEADER) for i in range(400)])
    teams = Team.objects.bulk_create([Team(code=f"T{i:03d}", name=f"Team {i}", leader=leaders[i]) for i in range(400)])
    agents = Agent.objects.bulk_create(
        [Agent(code=f"A{i:05d}", name=f"Agent {i}", team=teams[i // 25]) for i in range(10_000)]
    )
    through = Agent.processes.through
    through.objects.bulk_create(
        [through(agent_id=a.pk, process_id=processes[(i // 25) % len(processes)].pk) for i, a in enumerate(agents)]
    )
    users = {
        "admin": User.objects.create(username="b_admin", role=Role.ADMIN, is_superuser=True),
        "ops (5 clients)": User.objects.create(username="b_ops", role=Role.OPS_MANAGER),
        "team_leader": leaders[7],
        "qa (6 processes)": User.objects.create(username="b_qa", role=Role.QA_ANALYST),
        "client": User.objects.create(username="b_client", role=Role.CLIENT, client=clients[3]),
    }
    users["ops (5 clients)"].assigned_clients.set(clients[:5])
    users["qa (6 processes)"].assigned_processes.set(processes[:6])
    return users


def timed(client, url, repeat=20):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 403), (url, response.status_code)
    return statistics.median(samples), max(samples), response.status_code


def main():
    from rest_framework.test import APIClient

    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        started = time.perf_counter()
        users = build()
        print(
            f"database: {connection.vendor}; built 50 clients, 300 processes, 400 teams, 10,000 agents "
            f"in {time.perf_counter() - started:.1f} s"
        )
        print(f"{'role':<18} {'endpoint':<38} {'median ms':>10} {'max ms':>8} {'status':>6}")
        for label, user in users.items():
            api = APIClient()
            api.force_authenticate(user)
            for url in ["/api/v1/agents/?page_size=100", "/api/v1/processes/?page_size=100", "/api/v1/clients/"]:
                median, worst, status = timed(api, url)
                print(f"{label:<18} {url:<38} {median:>10.1f} {worst:>8.1f} {status:>6}")
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
