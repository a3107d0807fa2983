"""The read replica against a real PostgreSQL streaming replica (bpo_portal/replica.py).

Not collected by `make test` (its name does not start with test_): `.ci/run` starts a second
PostgreSQL cluster as a streaming replica of the local one (port 5433), migrates the application
database `bpo_portal` on the primary, and runs this file with DATABASE_REPLICA_URL pointing at the
replica. It works on those real databases (a test database would not be replicated in time for a
transaction-wrapped test), with rows it names RPL-… and removes.

Checked: the chosen reads go to the replica and nothing else does; writes go to the primary; a
writer's next reads are pinned to the primary; a paused replay (a lagging replica) is not used by
pages once over REPLICA_MAX_LAG_SECONDS and never by reports.
"""

import time
import uuid

import pytest
from django.db import connections
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bpo_portal import replica
from clients.models import Client
from tests.conftest import require

PASSWORD = "replica-check-2026"


@pytest.fixture
def real_databases(django_db_blocker, settings):
    require(replica.configured(), "DATABASE_REPLICA_URL is not set (a streaming replica of DATABASE_URL)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REPLICA_CHECK_SECONDS = 0
    tag = f"RPL-{uuid.uuid4().hex[:8].upper()}"
    with django_db_blocker.unblock():
        replica.reset_health()
        yield tag
        _resume()
        User.objects.filter(username__startswith=tag.lower()).delete()
        Client.objects.filter(code__startswith=tag).delete()
        replica.reset_health()


def _replica_sql(sql: str):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _resume():
    _replica_sql("SELECT pg_wal_replay_resume()")


def _wait_caught_up(seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if replica.replica_caught_up():
            return
        time.sleep(0.1)
    pytest.fail("the replica did not catch up with the primary")


def test_it_is_a_streaming_replica_that_keeps_up(real_databases):
    assert _replica_sql("SELECT pg_is_in_recovery()") == (True,)
    Client.objects.create(code=real_databases, name="Replica check", timezone="UTC")
    _wait_caught_up()
    assert replica.replica_lag_seconds() == 0
    assert Client.objects.using(replica.REPLICA).filter(code=real_databases).exists()


def test_chosen_reads_go_to_the_replica_and_writes_to_the_primary(real_databases):
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        Client.objects.filter(code=real_databases).exists()  # not chosen: the primary
        assert not on_replica.captured_queries
        with replica.reads_from_replica() as used:
            assert used
            assert not Client.objects.filter(code=real_databases).exists()
            Client.objects.create(code=real_databases, name="Written while reading the replica", timezone="UTC")
        replica_reads = [q["sql"] for q in on_replica.captured_queries if "clients_client" in q["sql"]]
    assert replica_reads and all(sql.lstrip().upper().startswith("SELECT") for sql in replica_reads)  # no INSERT
    assert Client.objects.using("default").filter(code=real_databases).exists()


def test_pages_read_the_replica_until_the_user_writes(real_databases):
    user = User.objects.create_user(username=f"{real_databases.lower()}-admin", password=PASSWORD, role="admin",
                                    is_superuser=True, is_staff=True)  # fmt: skip
    browser = Browser()
    browser.force_login(user)
    _wait_caught_up()
    first = browser.get("/dashboard/overview/")
    assert first.status_code == 200 and first["X-Read-From"] == "replica"
    assert browser.get("/processes/").get("X-Read-From") is None  # not a replica path
    wrote = browser.post("/dashboard/overview/", {})  # any write (here refused: the page takes no POST)
    assert replica.PIN_COOKIE in wrote.cookies
    pinned = browser.get("/dashboard/overview/")
    assert pinned.status_code == 200 and pinned["X-Read-From"] == "primary (pinned after a write)"
    browser.cookies.pop(replica.PIN_COOKIE)
    assert browser.get("/dashboard/overview/")["X-Read-From"] == "replica"


def test_a_lagging_replica_is_left_alone_and_reports_never_use_it(real_databases, settings):
    user = User.objects.create_user(username=f"{real_databases.lower()}-ops", password=PASSWORD, role="admin",
                                    is_superuser=True)  # fmt: skip
    browser = Browser()
    browser.force_login(user)
    _wait_caught_up()
    assert replica.replica_caught_up()
    _replica_sql("SELECT pg_wal_replay_pause()")
    Client.objects.create(code=real_databases, name="Written while the replay is paused", timezone="UTC")
    time.sleep(1.2)
    # Behind by the one write: reports refuse it at once; pages still read it while the lag is
    # within REPLICA_MAX_LAG_SECONDS, and not once it is over.
    assert not replica.replica_caught_up()
    with replica.reads_from_replica(strict=True) as used:
        assert not used
    assert not Client.objects.using(replica.REPLICA).filter(code=real_databases).exists()
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    replica.reset_health()
    assert browser.get("/dashboard/overview/")["X-Read-From"] == "replica"
    settings.REPLICA_MAX_LAG_SECONDS = 0
    replica.reset_health()
    assert browser.get("/dashboard/overview/")["X-Read-From"] == "primary"
    assert replica._health.reason.startswith("replay ")
    _resume()
    _wait_caught_up()
    replica.reset_health()
    assert Client.objects.using(replica.REPLICA).filter(code=real_databases).exists()
    with replica.reads_from_replica(strict=True) as used:
        assert used
