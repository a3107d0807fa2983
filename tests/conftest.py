"""Two tenants: ALPHA (the one we act in) and BRAVO (which must stay invisible), with one user
per role on each side where the role is tenant-bound."""

import os
from dataclasses import dataclass
from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import (
    PASSWORD,
    AgentFactory,
    ClientFactory,
    ProcessFactory,
    SLATargetFactory,
    TeamFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str):
    """Skip when a service or browser is missing locally; in CI, a missing one is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook, see below
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`), tests that must not run side
    by side share an xdist_group, which one worker runs in order. The real-worker tests are one
    group: their worker processes share the Redis database of CELERY_TEST_BROKER_URL (broker,
    results and the workers' cache, whose keys do not name the test database), so two of them at
    once on two workers' test databases could read each other's cached figures. The browser crawl
    (tests/test_browser_crawl.py) is a group of its own: its module fixture seeds the demo, and
    would do so again on every worker that ran one of its roles.

    pytest-xdist 3.8 marks a test's group by appending "@<group>" to `item._nodeid`, which
    pytest 9.2 no longer reads (the node id lives in `item._id`): --dist loadgroup then silently
    runs grouped tests on any worker. This does what xdist means to do, on pytest's own field."""
    for item in items:
        if item.get_closest_marker("celery_worker") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        marks = item.iter_markers("xdist_group")
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks})
        if names and "@" not in item.nodeid and hasattr(item, "_id"):
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(names)}")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the SLA projection caches its volume pattern)."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class Tenant:
    client: object
    process: object
    process2: object
    team: object
    agent: object
    team_leader: object
    qa: object
    agent_user: object
    client_user: object
    ops: object
    import_job: object


def _tenant(prefix: str, tz: str) -> Tenant:
    client = ClientFactory(code=prefix, name=f"{prefix.title()} Holdings", timezone=tz)
    process = ProcessFactory(client=client, code=f"{prefix}-VOICE", name=f"{prefix.title()} hotline")
    process2 = ProcessFactory(client=client, code=f"{prefix}-CHAT", name=f"{prefix.title()} chat", channel="chat")
    SLATargetFactory(process=process, metric="service_level", comparator=">=", target=80)
    leader = UserFactory(username=f"tl_{prefix.lower()}", role=Role.TEAM_LEADER)
    team = TeamFactory(code=f"T-{prefix}", name=f"{prefix.title()} squad", leader=leader)
    agent_user = UserFactory(username=f"agent_{prefix.lower()}", role=Role.AGENT)
    agent = AgentFactory(
        code=f"{prefix[0]}0001",
        name=f"{prefix.title()} Agentperson",
        team=team,
        user=agent_user,
        processes=[process, process2],
    )
    qa = UserFactory(username=f"qa_{prefix.lower()}", role=Role.QA_ANALYST)
    qa.assigned_processes.set([process])
    client_user = UserFactory(username=f"client_{prefix.lower()}", role=Role.CLIENT, client=client)
    ops = UserFactory(username=f"ops_{prefix.lower()}", role=Role.OPS_MANAGER)
    ops.assigned_clients.set([client])
    from processes.models import ImportJob

    job = ImportJob.objects.create(created_by=ops, file=f"imports/{prefix}.csv", original_name=f"{prefix.lower()}.csv")
    return Tenant(client, process, process2, team, agent, leader, qa, agent_user, client_user, ops, job)


@pytest.fixture
def alpha(db) -> Tenant:
    return _tenant("ALPHA", "Asia/Kolkata")


@pytest.fixture
def bravo(db) -> Tenant:
    return _tenant("BRAVO", "America/New_York")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def ops_all(db):
    """An operations manager with no client assignment: sees every client."""
    return UserFactory(username="ops_all", role=Role.OPS_MANAGER)


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def password():
    return PASSWORD


# --- real services ---------------------------------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process(transactional_db):
    """A factory that starts real Celery worker processes (solo pool) on a private queue of the
    real Redis broker, pointed at the test database: `send, process = celery_worker_process()`;
    `send(name, *args, **kwargs)` returns an AsyncResult. Needs CELERY_TEST_BROKER_URL and
    PostgreSQL (an in-memory SQLite test database cannot be shared with another process).
    Every worker started is stopped at the end of the test."""
    import subprocess
    import sys
    import uuid

    from celery import Celery
    from django.db import connection

    broker = os.environ.get("CELERY_TEST_BROKER_URL", "")
    require(bool(broker), "CELERY_TEST_BROKER_URL is not set (a Redis URL for the real-worker tests)")
    require(connection.vendor == "postgresql", "the real-worker tests need DATABASE_URL to point at PostgreSQL")
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # The sender becomes Celery's current app while the test runs (shared tasks queued by the test's
    # own writes go to the broker, not run eagerly in-process: the real-worker tests rely on it);
    # the portal's eager app is made current again afterwards, for every later test in this
    # process (pytest-xdist runs others after these on the same worker).
    sender = Celery("test-sender", broker=broker, backend=broker)
    started = []

    def send(name, *args, **kwargs):
        return sender.send_task(name, args=args, kwargs=kwargs, queue=queue)

    def start(env=None):
        log_path = ROOT / "artifacts" / f"celery-{queue}-{len(started)}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bpo_portal",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}-{len(started)}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return send, process

    try:
        yield start
    finally:
        for process, log in started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()
        sender.close()
        from bpo_portal.celery import app as portal_app

        portal_app.set_current()


# --- browser ----------------------------------------------------------------------------------------

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_path() -> str | None:
    import shutil

    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = _chromium_path()
    require(bool(path), "Chromium is not installed (Debian package `chromium`)")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG under SCREENSHOT_DIR (default artifacts/screenshots)."""
    folder = ROOT / os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@dataclass
class Spanning:
    """Users and staff whose work spans both tenants, so that a related list (a user's processes,
    an agent's processes, a team's agents) has another tenant's objects to leak. Their own names
    and codes name neither tenant. (The services staff an agent for one client only; the agent
    staffed for both is the state an admin edit or old data could still hold, which every list
    must survive.)"""

    qa: object  # a QA analyst assigned to a process of each tenant
    ops: object  # an operations manager assigned to both clients
    ops_all: object  # an operations manager with no assignment (every client)
    team: object  # a team with an agent of each tenant (and the agent below)
    team_leader: object
    agent: object  # staffed on processes of both tenants, with handled interactions on both
    agent_user: object
    bravo_agent: object  # BRAVO's agent in the mixed team (named for BRAVO: alpha must not see it)


@pytest.fixture
def spanning(alpha, bravo, ops_all) -> Spanning:
    from tests.quality_fixtures import make_interaction

    qa = UserFactory(username="qa_dual", role=Role.QA_ANALYST)
    qa.assigned_processes.set([alpha.process, bravo.process])
    ops = UserFactory(username="ops_dual", role=Role.OPS_MANAGER)
    ops.assigned_clients.set([alpha.client, bravo.client])
    leader = UserFactory(username="tl_mixed", role=Role.TEAM_LEADER)
    team = TeamFactory(code="T-MIXED", name="Mixed squad", leader=leader)
    agent_user = UserFactory(username="agent_dual", role=Role.AGENT)
    agent = AgentFactory(
        code="M0001",
        name="Dual Agentperson",
        team=team,
        user=agent_user,
        processes=[alpha.process, bravo.process2, bravo.process],
    )
    bravo_agent = AgentFactory(code="BRAVO-M2", name="Bravo Mixedperson", team=team, processes=[bravo.process])
    day = date(2026, 3, 4)
    make_interaction(alpha.process, agent, "dual-call-1", day)
    make_interaction(bravo.process, agent, "dual-call-2", day)
    make_interaction(bravo.process, bravo_agent, "mixed-call-3", day)
    return Spanning(qa, ops, ops_all, team, leader, agent, agent_user, bravo_agent)
