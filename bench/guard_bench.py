"""What the tenancy guard costs per request: the same pages with and without
`bpo_portal.middleware.TenancyGuardMiddleware`, interleaved in one run.

Builds a throw-away database with the demo data (`seed_demo`: 3 clients, their processes, teams,
agents, ~90 days of interactions at --scale 1.0, work items, quality data, reports), then, for a
set of pages and API reads as several roles, times requests through Django's test client
in-process (server time: middleware, view, queries, template rendering) with the settings'
MIDDLEWARE ("guard") and with TenancyGuardMiddleware removed ("no guard", via
override_settings(MIDDLEWARE=...)). Same data, same process: each round runs every page, and
for each page the two variants alternate in blocks of --block requests (the first variant
alternating between rounds), --requests per page per variant per round. Also, once per page and
variant, one request counts the SQL queries (CaptureQueriesContext), the guard's checks
(ScopedQuerySet._guard calls) and whether the middleware switched the guard on. `--aa` is the
control: both variants keep the guard, so any difference is the harness's (separate clients and
sessions per variant, ordering), not the guard's.

    .venv/bin/python bench/guard_bench.py [--rounds 3] [--requests 20] [--scale 1.0] [--out FILE] [--aa]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bpo_guardbench .venv/bin/python bench/guard_bench.py

SQLite by default (a file under a temporary folder, removed afterwards); with DATABASE_URL set
to PostgreSQL the database is created, used and dropped. Prints a table and writes the results
as JSON to --out (default bench/results/guard_bench-<today>.json).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUARD = "bpo_portal.middleware.TenancyGuardMiddleware"

# (role label, username, url, page label)
PAGES = [
    ("ops", "ops", "/dashboard/overview/", "operations overview"),
    ("ops", "ops", "/dashboard/processes/ACME-VOICE/", "process dashboard"),
    ("tl", "tl.north", "/dashboard/teams/T-NORTH/", "team page"),
    ("ops.acme", "ops.acme", "/dashboard/agents/A0001/", "agent page"),
    ("client", "client.acme", "/dashboard/portal/", "client portal"),
    ("ops", "ops", "/api/v1/kpis/?group_by=process", "API kpis by process"),
    ("client", "client.acme", "/api/v1/kpis/?process=ACME-VOICE", "API kpis, one process"),
    ("ops.acme", "ops.acme", "/api/v1/agents/?page_size=100", "API agents list"),
    ("qa", "qa", "/quality/evaluations/", "quality evaluations list"),
    ("tl", "tl.north", "/work/", "work queue"),
]


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


def setup(scale: float, days: int) -> tuple[str, callable]:
    """Environment, database and demo data; returns (vendor label, cleanup)."""
    tmp = Path(tempfile.mkdtemp(prefix="guardbench-"))
    url = os.environ.get("DATABASE_URL")
    pg_name = None
    if url and url.startswith("postgres"):
        pg_name = urlparse(url).path.lstrip("/")
        _psql(f"DROP DATABASE IF EXISTS {pg_name}")
        _psql(f"CREATE DATABASE {pg_name}")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'db.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bpo_portal.settings",
        AXES_ENABLED="false",
        LOG_LEVEL="ERROR",
        DJANGO_DEBUG="false",  # as in production: no query log kept per request
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),  # without DEBUG, pages need the collected manifest
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet_logins=True, scale=scale, days=days, stdout=io.StringIO())
    print(f"built the demo data (scale {scale}, {days} days) in {time.perf_counter() - started:.0f} s", flush=True)

    def cleanup():
        from django.db import connections

        connections.close_all()
        if pg_name:
            _psql(f"DROP DATABASE IF EXISTS {pg_name}")
        shutil.rmtree(tmp, ignore_errors=True)

    from django.db import connection

    return connection.vendor, cleanup


def make_clients(middleware: dict[str, list[str]]) -> dict:
    """One test client per (username, variant), its middleware chain loaded under that variant."""
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    clients = {}
    for username in sorted({p[1] for p in PAGES}):
        user = User.objects.get(username=username)
        for variant, mw in middleware.items():
            client = Client()
            client.force_login(user)
            with override_settings(MIDDLEWARE=mw):
                client.get("/")  # loads the handler's middleware chain under this variant
            clients[username, variant] = client
    return clients


def check(clients, middleware) -> dict:
    """Per page and variant: status, SQL queries, guard checks, whether the guard was on."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.scoping import ScopedQuerySet
    from bpo_portal import middleware as mw_module
    from bpo_portal import tenancy

    real_guard = ScopedQuerySet._guard
    real_switch = mw_module.tenancy_guard
    counts = {"checks": 0, "active": 0, "switched": 0}

    def counting_guard(self, operation):
        counts["checks"] += 1
        counts["active"] += tenancy.guard_active()
        return real_guard(self, operation)

    def counting_switch():
        counts["switched"] += 1
        return real_switch()

    info = {}
    with (
        mock.patch.object(ScopedQuerySet, "_guard", counting_guard),
        mock.patch.object(mw_module, "tenancy_guard", counting_switch),
    ):
        for _, username, url, label in PAGES:
            for variant, mw in middleware.items():
                with override_settings(MIDDLEWARE=mw):  # warm-up: a first request may fill a cache
                    clients[username, variant].get(url)
                counts.update(checks=0, active=0, switched=0)
                with override_settings(MIDDLEWARE=mw), CaptureQueriesContext(connection) as queries:
                    response = clients[username, variant].get(url)
                assert response.status_code == 200, (label, variant, response.status_code)
                info[label, variant] = {"queries": len(queries), "bytes": len(response.content), **counts}
    return info


def run_round(clients, middleware, requests: int, block: int, flip: bool) -> dict:
    from django.test.utils import override_settings

    variants = list(middleware)
    if flip:
        variants.reverse()
    samples = {}
    for _, username, url, label in PAGES:
        for v in variants:
            samples[label, v] = []
        for _ in range(requests // block):
            for v in variants:
                client = clients[username, v]
                with override_settings(MIDDLEWARE=middleware[v]):
                    for _ in range(block):
                        started = time.perf_counter()
                        response = client.get(url)
                        samples[label, v].append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, (label, v)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20, help="per page, per variant, per round")
    parser.add_argument("--block", type=int, default=5, help="requests of one variant before switching")
    parser.add_argument("--scale", type=float, default=1.0, help="seed_demo volume (1.0: ~200k interactions)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--aa", action="store_true", help="control run: both variants keep the guard (shows the harness's own bias)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    vendor, cleanup = setup(args.scale, args.days)
    try:
        from django.conf import settings

        with_guard = list(settings.MIDDLEWARE)
        assert GUARD in with_guard, "TenancyGuardMiddleware is not in settings.MIDDLEWARE"
        without = with_guard if args.aa else [m for m in with_guard if m != GUARD]
        middleware = {"guard": with_guard, "no guard": without}
        clients = make_clients(middleware)
        info = check(clients, middleware)
        for (label, variant), i in info.items():
            switched = i["switched"] == 1 if variant == "guard" or args.aa else i["switched"] == 0
            assert switched, (label, variant, i)
        rounds, loads = [], [load_before]
        for r in range(args.rounds):
            rounds.append(run_round(clients, middleware, args.requests, args.block, flip=bool(r % 2)))
            loads.append(os.getloadavg())
            print(f"round {r + 1}/{args.rounds} done, load average {loads[-1][0]:.2f}", flush=True)
    finally:
        cleanup()
    report(vendor, args, info, rounds, loads)


def report(vendor, args, info, rounds, loads):
    rows = []
    for role, _username, url, label in PAGES:
        row = {"page": label, "role": role, "url": url}
        for v in ("no guard", "guard"):
            per_round = [statistics.median(r[label, v]) for r in rounds]
            everything = [s for r in rounds for s in r[label, v]]
            row[v] = {
                "median_ms": round(statistics.median(everything), 2),
                "round_medians_ms": [round(m, 2) for m in per_round],
                "best_ms": round(min(everything), 2),
                **{k: info[label, v][k] for k in ("queries", "checks", "active", "bytes")},
            }
        row["ratio_median"] = round(row["guard"]["median_ms"] / row["no guard"]["median_ms"], 3)
        row["ratio_best"] = round(row["guard"]["best_ms"] / row["no guard"]["best_ms"], 3)
        row["round_ratios"] = [
            round(g / n, 3) for g, n in zip(row["guard"]["round_medians_ms"], row["no guard"]["round_medians_ms"])
        ]
        rows.append(row)
    control = " (A/A CONTROL: both variants with the guard)" if args.aa else ""
    print(
        f"\n{vendor}{control}; {args.rounds} rounds x {args.requests} requests per page per variant, "
        f"blocks of {args.block}\n"
        "| page (role) | no guard median | guard median | ratio | per-round ratios | best no/with | "
        "queries no/with | guard checks |\n|---|---:|---:|---:|---|---:|---:|---:|"
    )
    for r in rows:
        n, g = r["no guard"], r["guard"]
        print(
            f"| {r['page']} ({r['role']}) | {n['median_ms']:.1f} ms | {g['median_ms']:.1f} ms | "
            f"{r['ratio_median']:.3f} | {', '.join(f'{x:.3f}' for x in r['round_ratios'])} | "
            f"{n['best_ms']:.1f} / {g['best_ms']:.1f} | {n['queries']} / {g['queries']}"
            f"{'' if n['queries'] == g['queries'] else ' DIFFERENT'} | {g['checks']} |"
        )
    print(
        "load average (1, 5, 15 min) before and after each round: "
        + "; ".join(f"{a:.2f} {b:.2f} {c:.2f}" for a, b, c in loads)
    )
    out = args.out or ROOT / "bench" / "results" / f"guard_bench-{date.today().isoformat()}.json"
    out.write_text(
        json.dumps(
            {
                "database": vendor,
                "control_run_both_with_guard": args.aa,
                "rounds": args.rounds,
                "requests": args.requests,
                "block": args.block,
                "scale": args.scale,
                "days": args.days,
                "load_average": loads,
                "pages": rows,
            },
            indent=2,
        )
    )
    print(f"saved {out}")


if __name__ == "__main__":
    main()
