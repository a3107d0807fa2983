"""The read-replica routing of bpo_portal/replica.py without a replica (the real streaming replica
is tests/test_replica.py, run by .ci/run): which reads may go to the replica, pinning after a
write, a lagging or unreachable replica left alone, and nothing at all without one."""

from datetime import date

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from bpo_portal import replica
from clients.models import Client
from tests.factories import ClientFactory

ROUTER = replica.ReplicaRouter()


def _db_seen(request):
    return HttpResponse(ROUTER.db_for_read(Client))


@pytest.fixture
def with_replica(monkeypatch, settings):
    """As if DATABASE_REPLICA_URL were set and the replica kept up (no database is touched)."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 0.0)
    monkeypatch.setattr(replica, "replica_caught_up", lambda: True)
    replica.reset_health()
    yield settings
    replica.reset_health()


def _call(method, path, cookies=None):
    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    return replica.ReplicaMiddleware(_db_seen)(request)


def test_without_a_replica_nothing_changes(settings):
    assert "replica" not in settings.DATABASES and not replica.configured()
    with replica.reads_from_replica() as used:
        assert not used and ROUTER.db_for_read(Client) == "default"
    response = _call("POST", "/dashboard/")
    assert response.content == b"default" and replica.PIN_COOKIE not in response.cookies
    assert "X-Read-From" not in _call("GET", "/dashboard/")


def test_only_chosen_reads_go_to_the_replica_and_writes_never(with_replica):
    assert ROUTER.db_for_read(Client) == "default"  # outside reads_from_replica
    with replica.reads_from_replica() as used:
        assert used and ROUTER.db_for_read(Client) == "replica"
        assert ROUTER.db_for_write(Client) == "default"
        with replica.pinned_to_primary():
            assert ROUTER.db_for_read(Client) == "default"
    assert ROUTER.allow_migrate("default", "clients") and not ROUTER.allow_migrate("replica", "clients")


def test_pages_on_the_replica_paths_read_from_it(with_replica):
    response = _call("GET", "/dashboard/")
    assert response.content == b"replica" and response["X-Read-From"] == "replica"
    assert _call("GET", "/api/v1/kpis/").content == b"replica"
    other = _call("GET", "/processes/")
    assert other.content == b"default" and "X-Read-From" not in other


def test_a_write_pins_the_request_and_the_clients_next_reads_to_the_primary(with_replica):
    written = _call("POST", "/dashboard/")
    assert written.content == b"default"
    cookie = written.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == with_replica.REPLICA_PIN_SECONDS and cookie["httponly"]
    after = _call("GET", "/dashboard/", cookies={replica.PIN_COOKIE: "1"})
    assert after.content == b"default" and after["X-Read-From"] == "primary (pinned after a write)"
    assert replica.PIN_COOKIE not in after.cookies  # a read does not extend the pin


def test_a_lagging_or_unreachable_replica_is_not_used(with_replica, monkeypatch):
    with_replica.REPLICA_MAX_LAG_SECONDS = 10
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 11.5)
    assert _call("GET", "/dashboard/")["X-Read-From"] == "primary"
    assert replica._health.reason == "replay 11.5 s behind"

    def unreachable():
        raise OSError("connection refused")

    monkeypatch.setattr(replica, "replica_lag_seconds", unreachable)
    replica.reset_health()
    assert _call("GET", "/dashboard/").content == b"default"
    assert replica._health.reason == "OSError: connection refused"


def test_the_health_check_is_kept_for_a_few_seconds(with_replica, monkeypatch):
    with_replica.REPLICA_CHECK_SECONDS = 2
    asked = []
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: asked.append(1) or 0.0)
    assert replica.replica_usable(now=100.0) and replica.replica_usable(now=101.5)
    assert len(asked) == 1
    assert replica.replica_usable(now=102.5) and len(asked) == 2


def test_reports_use_the_replica_only_when_it_has_caught_up(with_replica, monkeypatch):
    with replica.reads_from_replica(strict=True) as used:
        assert used and ROUTER.db_for_read(Client) == "replica"
    monkeypatch.setattr(replica, "replica_caught_up", lambda: False)
    with replica.reads_from_replica(strict=True) as used:
        assert not used and ROUTER.db_for_read(Client) == "default"


def test_report_generation_reads_through_the_strict_replica_rule(db, monkeypatch, tmp_path, settings):
    from sla.reports import services

    settings.MEDIA_ROOT = str(tmp_path)
    seen = []

    def build(**kwargs):
        seen.append(replica._wanted.get())
        raise RuntimeError("stop here")

    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "replica_caught_up", lambda: True)
    monkeypatch.setattr(services, "report_data_build", build)
    with pytest.raises(RuntimeError, match="stop here"):
        services.report_generate(client=ClientFactory(code="RPL"), month=date(2026, 11, 1), notify=False)
    assert seen == ["strict"]  # the figures were read under the strict rule (caught up, or the primary)
