"""Speed of the Erlang C calculator, GET /api/v1/erlang/ (issue 16: under 20 ms).

    .venv/bin/python bench/erlang_bench.py [--requests 500] [--warmup 50] [--out NAME]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bpo_bench_erlang .venv/bin/python bench/erlang_bench.py

As bench/guard_bench.py does: Django's test client in-process (server time: middleware, token
authentication, the capability check, the throttle, parsing, the calculation, serialisation; no
network), DEBUG off. SQLite by default (a file under a temporary folder, removed afterwards); with
DATABASE_URL set to PostgreSQL the database is created, migrated, used and dropped. One operations
manager authenticates with a DRF token (`Authorization: Token …`). The user rate limit is raised
for the bench (API_RATE_USER, otherwise 1,200 requests/minute would answer 429 part-way). Per case:
--warmup requests, then --requests timed ones; p50, p95, max in ms. The calculation alone
(`workforce.erlang.staffing`, no HTTP) is timed too, to show what the request adds.
Writes bench/results/NAME.json and NAME.txt.
"""

from __future__ import annotations

import argparse
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
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = {
    "C1: 100 contacts / 1800 s, AHT 180 s, 80/20": {
        "contacts": 100,
        "interval_seconds": 1800,
        "aht": 180,
        "target": 80,
        "threshold": 20,
    },
    "large: 5000 contacts / 900 s, AHT 600 s, 80/20": {
        "contacts": 5000,
        "interval_seconds": 900,
        "aht": 600,
        "target": 80,
        "threshold": 20,
    },
}


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


def setup():
    """Environment and an empty migrated database; returns (vendor, cleanup)."""
    tmp = Path(tempfile.mkdtemp(prefix="erlangbench-"))
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
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="false",
        API_RATE_USER="1000000/minute",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    def cleanup():
        from django.db import connections

        connections.close_all()
        if pg_name:
            _psql(f"DROP DATABASE IF EXISTS {pg_name}")
        shutil.rmtree(tmp, ignore_errors=True)

    from django.db import connection

    return connection.vendor, cleanup


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "max_ms": round(ordered[-1], 3),
        "min_ms": round(ordered[0], 3),
    }


def run(requests: int, warmup: int) -> dict:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from workforce import erlang

    user = User.objects.create_user("bench-ops", password=secrets.token_urlsafe(12), role="ops_manager")
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    results = {}
    for label, params in CASES.items():
        url = f"/api/v1/erlang/?{urlencode(params)}"
        for _ in range(warmup):
            assert client.get(url).status_code == 200
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        calc = []
        for _ in range(requests):
            started = time.perf_counter()
            erlang.staffing(**{k: float(v) for k, v in params.items()})
            calc.append((time.perf_counter() - started) * 1000)
        results[label] = {
            "url": url,
            "answer": response.json(),
            "http": percentiles(samples),
            "calculation_only": percentiles(calc),
        }
        print(f"  {label}: {results[label]['http']} (calculation {results[label]['calculation_only']})", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--out", default=None, help="base name under bench/results/ (.json and .txt)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    vendor, cleanup = setup()
    try:
        cases = run(args.requests, args.warmup)
    finally:
        cleanup()
    # BENCH_COMMIT: the commit of a tree exported without .git (git archive) to measure it alone.
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    results = {
        "date": date.today().isoformat(),
        "commit": os.environ.get("BENCH_COMMIT") or commit.stdout.strip(),
        "database": vendor,
        "requests": args.requests,
        "warmup": args.warmup,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cases": cases,
    }
    lines = [
        f"erlang_bench {results['date']} at {results['commit']}: {vendor}, Django test client in-process, "
        f"token auth, {args.requests} requests per case after {args.warmup} warm-up; load "
        f"{load_before[0]:.2f} before, {results['load_after'][0]:.2f} after",
        "| case | p50 ms | p95 ms | max ms | calculation alone p50 / max ms | agents |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in cases.items():
        h, c = row["http"], row["calculation_only"]
        lines.append(
            f"| {label} | {h['p50_ms']:.2f} | {h['p95_ms']:.2f} | {h['max_ms']:.2f} | "
            f"{c['p50_ms']:.3f} / {c['max_ms']:.3f} | {row['answer']['agents']} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    base = args.out or f"erlang_bench-{results['date']}"
    out = ROOT / "bench" / "results"
    (out / f"{base}.json").write_text(json.dumps(results, indent=2))
    (out / f"{base}.txt").write_text(text)
    print(f"written to {out / base}.json and .txt")


if __name__ == "__main__":
    main()
