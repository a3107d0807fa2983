"""Issue 14, finding 5: an import's outcome is what the database says. With the broker down, a
committed import reports success with its summary (and says the sweep will recompute the KPIs) on
every door: the command, the bulk API, the upload page and work-item completion. A dead broker
costs at most a couple of seconds per attempt, and nothing is lost."""

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bpo_portal import tasks as bpo_tasks
from bpo_portal.celery import app
from processes.models import ImportJob, ImportStatus, Interaction, KpiMark
from processes.tasks import requeue_stale_imports
from reporting.models import DailyKpi
from reporting.tasks import sweep_kpi_marks
from tests.conftest import api_as
from tests.factories import WorkItemFactory
from tests.kpi_helpers import csv_text, row
from work.models import Status

# Nothing listens on port 1: every connection is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"
SWEEP_NOTE = "KPIs will be recomputed by the worker's sweep: the broker is unreachable ("
# Generous for a loaded CI machine; an unbounded retry took 61 s in the probe.
MAX_SECONDS = 10

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def portal_app():
    """The tasks run on the portal's Celery app: a real-worker test that ran before in this
    process leaves its own test app as the current one (tasks are bound to the current app)."""
    app.set_current()
    app.set_default()


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None
    bpo_tasks._broker_down.clear()


@pytest.fixture
def dead_broker(settings):
    """Celery as in production (not eager), pointed at a broker that is not there."""
    keys = ("broker_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = DEAD_BROKER, False
    app.conf.update(broker_url=DEAD_BROKER, task_always_eager=False)
    _reset_pools()
    yield
    app.conf.update(saved)
    _reset_pools()


def _rows(*ids):
    return [
        row(
            external_id,
            "2026-10-01T09:00:00+05:30",
            process="ALPHA-VOICE",
            agent="A0001",
            answered_at="2026-10-01T09:00:10+05:30",
            ended_at="2026-10-01T09:05:00+05:30",
            talk=200,
        )
        for external_id in ids
    ]


def test_the_command_reports_a_committed_import_as_a_success_when_the_broker_is_down(alpha, dead_broker, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(csv_text(_rows("b1", "b2", "b3")))
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("import_interactions", str(path), stdout=out, stderr=err)  # CommandError = exit 1
    seconds = time.perf_counter() - started
    text = out.getvalue()
    assert "3 rows, 3 created, 0 updated" in text and "1 day(s) marked for KPIs" in text
    assert SWEEP_NOTE in text and err.getvalue() == ""
    assert seconds < MAX_SECONDS
    assert Interaction.objects.filter(process=alpha.process).count() == 3
    assert KpiMark.objects.filter(process=alpha.process).exists()
    assert not DailyKpi.objects.filter(process=alpha.process).exists()
    # The sweep (a beat task on the worker) recomputes the marks once it runs.
    sweep_kpi_marks()
    assert not KpiMark.objects.exists()
    assert DailyKpi.objects.filter(process=alpha.process, local_date="2026-10-01", offered=3).exists()


def test_the_command_says_nothing_about_the_broker_when_it_is_up(alpha, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(csv_text(_rows("u1")))
    out = io.StringIO()
    call_command("import_interactions", str(path), stdout=out)
    assert "1 rows, 1 created" in out.getvalue() and "broker" not in out.getvalue()
    assert not KpiMark.objects.exists()  # eager mode recomputed them after commit


def test_the_bulk_api_answers_200_with_a_note_when_the_broker_is_down(alpha, dead_broker):
    records = [{k: v for k, v in r.items() if v != ""} for r in _rows("a1", "a2")]
    started = time.perf_counter()
    response = api_as(alpha.ops).post("/api/v1/interactions/bulk/", records, format="json")
    assert time.perf_counter() - started < MAX_SECONDS
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["notes"][0].startswith(SWEEP_NOTE)
    assert Interaction.objects.count() == 2 and KpiMark.objects.exists()


def test_completing_a_work_item_succeeds_when_the_broker_is_down(alpha, dead_broker):
    item = WorkItemFactory(process=alpha.process, title="Refund form")
    leader, agent = Client(), Client()
    leader.force_login(alpha.team_leader)
    agent.force_login(alpha.agent_user)
    leader.post(reverse("work:assign", args=[item.pk]), {"agent": "A0001", "version": 1})
    url = reverse("work:status", args=[item.pk])
    agent.post(url, {"to": "in_progress"})
    response = agent.post(url, {"to": "done", "note": "sorted"})
    assert response.status_code in (200, 302)
    item.refresh_from_db()
    assert item.status == Status.DONE
    assert Interaction.objects.filter(external_id=item.kpi_external_id).exists()
    assert KpiMark.objects.filter(process=alpha.process).exists()


def test_an_upload_with_the_broker_down_is_kept_said_so_and_imported_later(alpha, dead_broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ImportJob.objects.filter(pk=alpha.import_job.pk).update(status=ImportStatus.FAILED)  # the fixture's, no file
    browser = Client()
    browser.force_login(alpha.ops)
    upload = io.BytesIO(csv_text(_rows("p1", "p2")).encode())
    upload.name = "calls.csv"
    started = time.perf_counter()
    response = browser.post(reverse("processes:imports"), {"file": upload}, follow=True)
    assert time.perf_counter() - started < MAX_SECONDS
    assert response.status_code == 200
    html = response.content.decode()
    job = ImportJob.objects.exclude(pk=alpha.import_job.pk).get()
    assert response.redirect_chain[-1][0].endswith("?queue=unreachable")
    assert f"The file is stored (import {job.pk}), but the import worker could not be reached" in html
    assert "the broker (Redis) is unreachable" in html and "Do not upload the file again." in html
    assert job.status == ImportStatus.QUEUED and job.file.read() == csv_text(_rows("p1", "p2")).encode()
    # The broker is back (eager here): the beat sweep queues the waiting job again, once it is stale.
    app.conf.update(task_always_eager=True)
    assert requeue_stale_imports() == 0  # too recent: its own message may still be on its way
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.IMPORT_REQUEUE_SECONDS + 1)):
        assert requeue_stale_imports() == 1
    job.refresh_from_db()
    assert (job.status, job.rows, job.created) == (ImportStatus.SUCCEEDED, 2, 2)
    # The same address no longer warns once the job has run.
    done = browser.get(response.redirect_chain[-1][0]).content.decode()
    assert "could not be reached" not in done and "Imported." in done
    assert Interaction.objects.count() == 2
    assert requeue_stale_imports() == 0


def test_the_import_page_works_when_the_cache_is_unreachable(alpha, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "get", down)
    ImportJob.objects.filter(pk=alpha.import_job.pk).update(status=ImportStatus.RUNNING)
    browser = Client()
    browser.force_login(alpha.ops)
    response = browser.get(reverse("processes:import_detail", args=[alpha.import_job.pk]))
    assert response.status_code == 200 and "Rows read so far" in response.content.decode()


def test_a_broker_found_down_is_not_waited_for_again_at_once(alpha, dead_broker, tmp_path, monkeypatch):
    from reporting.tasks import recompute_marked_kpis

    attempts = []
    publish = recompute_marked_kpis.apply_async

    def counted(*args, **kwargs):
        attempts.append(args)
        return publish(*args, **kwargs)

    monkeypatch.setattr(recompute_marked_kpis, "apply_async", counted)
    paths = []
    for n in range(3):
        path = tmp_path / f"part{n}.csv"
        path.write_text(csv_text(_rows(f"s{n}")))
        paths.append(str(path))
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_interactions", *paths, stdout=out)
    assert time.perf_counter() - started < MAX_SECONDS  # one wait for the broker, not three
    assert out.getvalue().count(SWEEP_NOTE) == 3 and Interaction.objects.count() == 3
    assert len(attempts) == 1
