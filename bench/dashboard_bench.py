"""Dashboard speed at 10,000,000 interactions (issue: overview under 150 ms server time).

Builds a throw-away PostgreSQL database with 10 clients × 5 processes × 20 agents and N
interactions over 90 days ending today, written set-based by SQL (`generate_series`, values
derived deterministically from the row number — the import service is measured in
kpi_bench.py; this bench is about reading), computes the KPI components with the engine,
then:

1. times each dashboard in-process through Django's test client (server time: URL routing,
   capability check, scoped queries, SLA evaluation, template rendering), median / p95 of 30;
2. starts gunicorn (2 workers) and loads each page with `wrk` (Debian package) for 15 s at
   4 connections with a signed-in session cookie, reporting requests/s and latency.

    python bench/dashboard_bench.py [--rows 10000000] [--keep] [--skip-build]

Needs PostgreSQL on 127.0.0.1:5432 (trust) and wrk. Results are printed as a Markdown table and
saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, django_setup  # noqa: E402

DB = "bpo_bench_dashboard"
# The in-process part writes the session rows that gunicorn reads: one secret for both.
os.environ["DJANGO_SECRET_KEY"] = "bench-" + "x" * 50
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc", sql], check=True)


def build(rows: int) -> dict:
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    env = {**os.environ, "DATABASE_URL": URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    django_setup(URL)
    from django.db import connection

    from accounts.models import User
    from agents.models import Agent, Team
    from clients.models import Client
    from processes.models import Process, SLATarget

    zones = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "America/Chicago"]
    for c in range(10):
        client = Client.objects.create(code=f"C{c:02d}", name=f"Client {c:02d}", timezone=zones[c % 5])
        for p in range(5):
            process = Process.objects.create(
                client=client, code=f"C{c:02d}-P{p}", name=f"Process {p}", channel="voice", timezone=client.timezone
            )
            SLATarget.objects.create(process=process, metric="service_level", comparator=">=", target=80)
            SLATarget.objects.create(process=process, metric="aht", comparator="<=", target=330)
            SLATarget.objects.create(process=process, metric="abandon_rate", comparator="<=", target=5)
            team = Team.objects.create(code=f"T{c:02d}{p}", name=f"Team {c:02d}-{p}")
            for a in range(20):
                agent = Agent.objects.create(code=f"A{c:02d}{p}{a:02d}", name=f"Agent {c}-{p}-{a}", team=team)
                agent.processes.set([process])
    ops = User.objects.create_user("bench-ops", password="x", role="ops_manager")
    leader = User.objects.create_user("bench-tl", password="x", role="team_leader")
    Team.objects.filter(code="T000").update(leader=leader)
    client_user = User.objects.create_user(
        "bench-client", password="x", role="client", client=Client.objects.get(code="C00")
    )

    days = 90
    per_process_day = rows // (50 * days)
    started = time.perf_counter()
    # One INSERT … SELECT: process p (0..49), day d (0..89), n-th contact of the day; arrival
    # spread over 08:00–20:00 local; ~5 % abandons, waits 0–59 s, handle 180–480 s, CSAT on 1 in 4,
    # customers drawn from 40,000 per process so that repeats exist.
    sql = f"""
    WITH p AS (
        SELECT row_number() OVER (ORDER BY pr.id) - 1 AS pn, pr.id, pr.client_id, pr.timezone
        FROM processes_process pr
    ), a AS (
        SELECT ap.process_id, ag.id AS agent_id, ag.team_id,
               row_number() OVER (PARTITION BY ap.process_id ORDER BY ag.id) - 1 AS an
        FROM agents_agent_processes ap JOIN agents_agent ag ON ag.id = ap.agent_id
    ), base AS (
        SELECT p.id AS process_id, p.client_id, p.timezone, d, n,
               ((CURRENT_DATE - {days - 1} + d)::timestamp
                 + make_interval(secs => 28800 + (n * 43200.0 / {per_process_day})))
                 AT TIME ZONE p.timezone AS arrived,
               (hashtext(p.id::text || ':' || d || ':' || n) & 2147483647) AS h
        FROM p, generate_series(0, {days - 1}) AS d, generate_series(0, {per_process_day - 1}) AS n
    )
    INSERT INTO processes_interaction (process_id, client_id, external_id, agent_id, team_id, channel,
        direction, customer_ref, arrived_at, answered_at, ended_at, talk_seconds, hold_seconds,
        wrap_seconds, abandoned, resolved, csat, disposition, local_date, arrived_us, wait_seconds,
        duration_seconds, has_repeat, imported_at)
    SELECT b.process_id, b.client_id, 'X' || b.d || '-' || b.n, CASE WHEN ab THEN NULL ELSE a.agent_id END,
        CASE WHEN ab THEN NULL ELSE a.team_id END, 'voice', 'inbound', 'K' || (b.h % 40000),
        b.arrived, CASE WHEN ab THEN NULL ELSE b.arrived + make_interval(secs => wait) END,
        b.arrived + make_interval(secs => CASE WHEN ab THEN wait ELSE wait + handle END),
        CASE WHEN ab THEN 0 ELSE handle - 60 END, 0, CASE WHEN ab THEN 0 ELSE 60 END, ab, NULL,
        CASE WHEN NOT ab AND b.h % 4 = 0 THEN 1 + (b.h / 7) % 5 END, '',
        (b.arrived AT TIME ZONE b.timezone)::date,
        (extract(epoch FROM b.arrived) * 1000000)::bigint,
        CASE WHEN ab THEN NULL ELSE wait END, CASE WHEN ab THEN wait ELSE wait + handle END,
        false, now()
    FROM (SELECT base.*, (h % 100) < 5 AS ab, (h / 100) % 60 AS wait, 180 + (h / 6000) % 300 AS handle
          FROM base) b
    JOIN a ON a.process_id = b.process_id AND a.an = b.h % 20
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute("ANALYZE processes_interaction")
        cursor.execute("SELECT count(*) FROM processes_interaction")
        total = cursor.fetchone()[0]
    load_seconds = time.perf_counter() - started
    from reporting import engine

    started = time.perf_counter()
    engine.recompute_all(refresh_flags=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reporting_dailykpi")
        cursor.execute("SELECT count(*) FROM reporting_dailykpi")
        kpi_rows = cursor.fetchone()[0]
    compute_seconds = time.perf_counter() - started
    print(
        f"built {total:,} interactions in {load_seconds:.0f} s; {kpi_rows:,} component rows in {compute_seconds:.0f} s"
    )
    return {"interactions": total, "kpi_rows": kpi_rows, "ops": ops.pk, "tl": leader.pk, "client": client_user.pk}


PAGES = [
    ("bench-ops", "/dashboard/overview/", "operations overview (50 processes, this month)"),
    ("bench-ops", "/dashboard/overview/?period=last_month", "operations overview, last month"),
    ("bench-ops", "/dashboard/clients/C00/", "client dashboard (5 processes + daily trend)"),
    ("bench-ops", "/dashboard/processes/C00-P0/", "process dashboard (trends, intraday, SLA, teams, agents)"),
    ("bench-tl", "/dashboard/teams/T000/", "team leader page (20 agents, today + month)"),
    ("bench-ops", "/dashboard/agents/A00000/", "agent page (vs team and process)"),
    ("bench-client", "/dashboard/portal/", "client portal (SLA status + trends)"),
    ("bench-ops", "/dashboard/interactions/?process=C00-P0", "interaction list + totals (one process, month)"),
]


def in_process(samples: int = 30) -> list[dict]:
    from django.test import Client as TestClient

    from accounts.models import User

    results = []
    for username, url, label in PAGES:
        client = TestClient()
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, url  # warm-up
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        results.append(
            {
                "page": label,
                "url": url,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            }
        )
    return results


def _session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def with_wrk(duration: int = 15) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": URL, "DJANGO_DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SECURE_SSL_REDIRECT": "false",
           "STATIC_ROOT": "/tmp/bpo-bench-static", "LOG_LEVEL": "WARNING"}  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bpo_portal.wsgi",
            "-w",
            "2",
            "-b",
            "127.0.0.1:8099",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    results = []
    try:
        time.sleep(4)
        for username, url, label in PAGES:
            cookie = _session_cookie(username)
            check = subprocess.run(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-H",
                    f"Cookie: {cookie}",
                    f"http://127.0.0.1:8099{url}",
                ],
                capture_output=True,
                text=True,
            )
            assert check.stdout == "200", (url, check.stdout)
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c4",
                    f"-d{duration}s",
                    "--latency",
                    "-H",
                    f"Cookie: {cookie}",
                    f"http://127.0.0.1:8099{url}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            lat = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out))
            results.append(
                {
                    "page": label,
                    "url": url,
                    "rps": rps,
                    "p50": lat.get("50"),
                    "p90": lat.get("90"),
                    "p99": lat.get("99"),
                }
            )
            print(f"{label}: {rps:.1f} req/s, p50 {lat.get('50')}, p90 {lat.get('90')}")
    finally:
        server.terminate()
        server.wait(10)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of a previous run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--build-only", action="store_true", help="build the database and stop (implies --keep)")
    args = parser.parse_args()
    info = {}
    if args.skip_build:
        django_setup(URL)
    else:
        info = build(args.rows)
        if args.build_only:
            return
    server_side = in_process()
    print("\n| page | server time median | p95 |\n|---|---:|---:|")
    for r in server_side:
        print(f"| {r['page']} | {r['median_ms']} ms | {r['p95_ms']} ms |")
    loaded = with_wrk()
    print("\n| page | wrk req/s (2 workers, 4 conn.) | p50 | p90 | p99 |\n|---|---:|---:|---:|---:|")
    for r in loaded:
        print(f"| {r['page']} | {r['rps']:.1f} | {r['p50']} | {r['p90']} | {r['p99']} |")
    out = ROOT / "bench" / "results" / f"dashboard_bench-{date.today().isoformat()}.json"
    out.write_text(json.dumps({"build": info, "server_side": server_side, "wrk": loaded}, indent=2))
    print(f"\nsaved {out.relative_to(ROOT)}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
