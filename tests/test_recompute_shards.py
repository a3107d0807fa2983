"""Recompute across workers (issue 17, item 4): a full recompute split into shards (one process, a
range of days) gives exactly the single-run result; a shard is idempotent; a shard that dies
midway leaves the table as it was and runs again; flags shards go first; progress and ETA; the
command and the pages."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes.models import Interaction, KpiMark
from recompute import selectors, services
from recompute.models import RecomputeRun, RecomputeShard, RunStatus, ShardStatus, ShardStep
from reporting import engine
from reporting.models import DailyKpi, IntervalKpi
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory, UserFactory
from tests.kpi_helpers import load, row, table_snapshot

# Transactional: a run queues its shards on commit, as in production (Celery eager here: they run
# at once, in turn).
pytestmark = pytest.mark.django_db(transaction=True)

FIRST = date(2026, 9, 1)
CODES = ("SH-VOICE", "SH-CHAT", "SH-BO")


@pytest.fixture
def world():
    client = ClientFactory(code="SH", timezone="America/New_York")
    processes = [
        ProcessFactory(client=client, code=code, timezone="America/New_York", channel=channel)
        for code, channel in zip(CODES, ("voice", "chat", "backoffice"), strict=True)
    ]
    AgentFactory(code="SH-A1", team=TeamFactory(code="T-SH"), processes=processes)
    return processes


def _rows(draws) -> list[dict]:
    rows = []
    for n, (process, day, second, wait, abandoned, talk, customer) in enumerate(draws):
        arrived = datetime(2026, 9, 1, 4, tzinfo=UTC) + timedelta(days=day, seconds=second)
        code = CODES[process]
        if abandoned and code != "SH-BO":
            rows.append(row(f"r{n}", arrived.isoformat(), process=code, abandoned=True, customer=f"C{customer}",
                            ended_at=(arrived + timedelta(seconds=wait)).isoformat()))  # fmt: skip
        else:
            answered = arrived + timedelta(seconds=wait)
            rows.append(row(f"r{n}", arrived.isoformat(), process=code, agent="SH-A1", customer=f"C{customer}",
                            answered_at=answered.isoformat(), talk=talk,
                            ended_at=(answered + timedelta(seconds=talk)).isoformat()))  # fmt: skip
    return rows


def _intervals():
    columns = [f.attname for f in IntervalKpi._meta.fields if f.name not in ("id", "computed_at")]
    return sorted(IntervalKpi.objects.values_list(*columns))


def _snapshot():
    return table_snapshot(), _intervals()


def _sharded(**kwargs) -> RecomputeRun:
    run = services.run_create(**kwargs)
    services.run_dispatch(run)  # Celery eager in tests: every shard runs here, in turn
    run.refresh_from_db()
    return run


DRAW = st.tuples(
    st.integers(0, 2),
    st.integers(0, 40),
    st.integers(0, 86_399),
    st.integers(0, 300),
    st.booleans(),
    st.integers(1, 900),
    st.integers(0, 4),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draws=st.lists(DRAW, min_size=1, max_size=50), shard_days=st.integers(1, 45), flags=st.booleans())
def test_sharded_full_recompute_equals_the_single_run(world, draws, shard_days, flags):
    for model in (Interaction, DailyKpi, IntervalKpi, RecomputeRun):
        model.objects.all().delete()
    load(_rows(draws))
    engine.recompute_all()
    expected = _snapshot()
    DailyKpi.objects.all().delete()
    IntervalKpi.objects.all().delete()
    run = _sharded(shard_days=shard_days, refresh_flags=flags)
    assert run.status == RunStatus.DONE and run.finished_at is not None
    assert _snapshot() == expected
    assert not RecomputeShard.objects.filter(run=run).exclude(status=ShardStatus.DONE).exists()
    progress = selectors.run_progress(run)
    assert progress.done == progress.total and progress.percent == 100 and progress.eta_seconds is None


def _some_data(world):
    draws = [(p, d, 3600 * (d % 20), 15, d % 7 == 0, 120, d % 3) for p in range(3) for d in range(0, 40, 3)]
    load(_rows(draws))
    return _snapshot()


def test_shards_cover_each_process_range_and_stale_days_without_interactions(world):
    expected = _some_data(world)
    voice = world[0]
    # Stored components of a day whose interactions are gone are rewritten (deleted) too.
    DailyKpi.objects.create(process=voice, client=voice.client, local_date=date(2026, 12, 31), offered=9,
                            computed_at=datetime.now(UTC))  # fmt: skip
    run = _sharded(shard_days=10)
    shards = list(run.shards.order_by("process__code", "start").values_list("process__code", "start", "end"))
    voice_shards = [s for s in shards if s[0] == "SH-VOICE"]
    assert voice_shards[0][1] == FIRST and voice_shards[-1][2] == date(2026, 12, 31)
    assert all((end - start).days < 10 for _, start, end in shards)
    assert _snapshot() == expected
    assert run.start == FIRST and run.end == date(2026, 12, 31)


def test_a_range_and_chosen_processes(world):
    _some_data(world)
    run = services.run_create(processes=[world[1]], start=date(2026, 9, 10), end=date(2026, 9, 20), shard_days=4)
    assert list(run.shards.values_list("process__code", "start", "end")) == [
        ("SH-CHAT", date(2026, 9, 10), date(2026, 9, 13)),
        ("SH-CHAT", date(2026, 9, 14), date(2026, 9, 17)),
        ("SH-CHAT", date(2026, 9, 18), date(2026, 9, 20)),
    ]
    assert not run.all_processes and run.status == RunStatus.QUEUED
    empty = services.run_create(start=date(2030, 1, 1), end=date(2030, 1, 2))
    assert empty.status == RunStatus.DONE and not empty.shards.exists()


def test_bad_plans_are_refused_clearly(world):
    for kwargs, field in (
        ({"start": date(2026, 9, 5), "end": date(2026, 9, 1)}, "end"),
        ({"shard_days": 0}, "shard_days"),
        ({"shard_days": 367}, "shard_days"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.run_create(**kwargs)
        assert field in caught.value.message_dict
    assert not RecomputeRun.objects.exists()


def test_a_shard_that_dies_midway_leaves_the_table_and_runs_again(world, monkeypatch):
    expected = _some_data(world)
    run = services.run_create(shard_days=7)
    target = run.shards.filter(process=world[0]).order_by("start").first()
    before = _snapshot()
    real = engine._rewrite_intervals

    def dies(cursor, where, params):  # after the daily rows were rewritten, before the intervals
        DailyKpi.objects.filter(process=world[0]).update(offered=999)
        raise RuntimeError("worker lost")

    monkeypatch.setattr(engine, "_rewrite_intervals", dies)
    result = services.shard_execute(target.pk)
    assert result["failed"].startswith("RuntimeError: worker lost")
    target.refresh_from_db()
    assert target.status == ShardStatus.FAILED and target.attempts == 1 and "worker lost" in target.error
    assert _snapshot() == before  # rolled back: nothing of the failed attempt is left
    monkeypatch.setattr(engine, "_rewrite_intervals", real)
    services.run_dispatch(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED  # every other shard done, one failed
    assert services.shards_retry(run) == 1
    run.refresh_from_db()
    target.refresh_from_db()
    assert (run.status, target.status, target.attempts) == (RunStatus.DONE, ShardStatus.DONE, 2)
    assert _snapshot() == expected


def test_a_killed_worker_s_shard_is_requeued_by_the_sweep_and_a_second_run_is_harmless(world):
    expected = _some_data(world)
    run = services.run_create(shard_days=366)
    queued = []
    services.run_dispatch(run, enqueue=queued.extend)  # no worker takes them
    assert len(queued) == 3
    shard = RecomputeShard.objects.get(pk=queued[0])
    services._claim(shard.pk)  # a worker starts it, then is killed (nothing else happens)
    now = datetime.now(UTC)
    assert services.requeue_stale(now=now) == 0
    later = now + timedelta(seconds=django_settings.RECOMPUTE_SHARD_STALE_SECONDS + 1)
    assert services.requeue_stale(now=later) == 3  # the running one and the two never started
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and _snapshot() == expected
    assert RecomputeShard.objects.get(pk=shard.pk).attempts == 2
    assert services.shard_execute(shard.pk) == {"shard": shard.pk, "skipped": True}  # done: not again
    RecomputeShard.objects.filter(pk=shard.pk).update(status=ShardStatus.RUNNING)
    services.shard_execute(shard.pk)  # a redelivered message of a shard in flight: same rows
    assert _snapshot() == expected


def test_flags_shards_go_first_and_consume_their_marks(world):
    _some_data(world)
    voice = world[0]
    voice.fcr_window_days = 1  # changed behind the engine's back: a backfill re-evaluates flags
    voice.save(update_fields=["fcr_window_days"])
    KpiMark.objects.all().delete()
    run = services.run_create(processes=[voice], shard_days=5, refresh_flags=True)
    queued = []
    services.run_dispatch(run, enqueue=queued.extend)
    flags = run.shards.get(step=ShardStep.FLAGS)
    assert queued == [flags.pk]  # the day shards wait for the flags
    services.shard_execute(flags.pk)  # queues the day shards (Celery eager: they run)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert not KpiMark.objects.filter(process=voice).exists()  # the flags' marks were recomputed
    assert table_snapshot() == _single_run_table()


def _single_run_table():
    saved = table_snapshot()
    engine.recompute_all()
    assert table_snapshot() == saved
    return saved


def test_progress_and_eta_follow_the_days_done(world):
    _some_data(world)
    start = datetime(2026, 12, 3, 10, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        run = services.run_create(shard_days=20)  # 3 processes × 2 shards of 40 days: 20 + 20
        services.run_dispatch(run, enqueue=lambda ids: None)
    shards = list(run.shards.order_by("process__code", "start"))
    assert len(shards) == 6
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        services.shard_execute(shards[0].pk)
        services.shard_execute(shards[1].pk)
    run.refresh_from_db()
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        progress = selectors.run_progress(run)
    days = sum(s.days for s in shards)
    done = shards[0].days + shards[1].days
    assert (progress.done, progress.total, progress.days_done, progress.days_total) == (2, 6, done, days)
    assert progress.elapsed_seconds == 30  # started at +30 s (the first claim), now +60 s
    assert progress.eta_seconds == pytest.approx(30 * (days - done) / done)
    assert progress.eta_text.endswith(" s") and run.status == RunStatus.RUNNING


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (4.4, "4 s"), (65, "1 min 05 s"), (7325, "2 h 02 min")])
def test_durations_read_as_people_say_them(seconds, text):
    assert selectors.duration_text(seconds) == text


def test_command_prints_shards_done_of_total_and_refuses_bad_input(world):
    expected = _some_data(world)
    DailyKpi.objects.all().delete()
    out = StringIO()
    call_command("recompute", "--shard-days", "15", stdout=out)
    text = out.getvalue()
    assert f"run {RecomputeRun.objects.get().pk}: 9 shard(s), 9 queued" in text
    assert "done: shards 9/9 done" in text and "days 120/120 (100 %)" in text
    assert table_snapshot() == expected[0]
    for args, message in (
        (["--process", "NOPE"], "no process NOPE"),
        (["--start", "2026-13-01"], "is not a date"),
        (["--shard-days", "0"], "Days per shard"),
        (["--follow", "999"], "no recompute run 999"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("recompute", *args, stdout=StringIO())


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    return UserFactory(username="root", role="admin", is_superuser=True, is_staff=True)


def test_admin_starts_a_run_and_follows_it(client, world, admin):
    expected = _some_data(world)
    DailyKpi.objects.all().delete()
    client.force_login(admin)
    page = client.get("/recompute/")
    assert page.status_code == 200 and 'data-testid="run-form"' in page.content.decode()
    started = client.post("/recompute/", {"shard_days": "10", "note": "repair after restore"})
    run = RecomputeRun.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/recompute/{run.pk}/"
    assert run.requested_by == admin and run.note == "repair after restore"
    detail = client.get(f"/recompute/{run.pk}/").content.decode()
    assert "Recompute run" in detail and "12 / 12" in detail and 'data-testid="shard-table"' in detail
    assert "hx-trigger" not in detail  # done: no more polling
    partial = client.get(f"/recompute/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="run-progress"') and "<html" not in partial
    assert table_snapshot() == expected[0]
    listed = client.get("/recompute/").content.decode()
    assert "repair after restore" in listed and f"/recompute/{run.pk}/" in listed


def test_a_running_run_polls_and_failed_shards_can_be_retried_from_the_page(client, world, admin, monkeypatch):
    _some_data(world)
    run = services.run_create(shard_days=366)
    services.run_dispatch(run, enqueue=lambda ids: None)
    client.force_login(admin)
    assert 'hx-trigger="every 2s"' in client.get(f"/recompute/{run.pk}/").content.decode()
    monkeypatch.setattr(engine, "_rewrite_intervals", lambda *a: 1 / 0)
    for shard in run.shards.all():
        services.shard_execute(shard.pk)
    monkeypatch.undo()
    page = client.get(f"/recompute/{run.pk}/").content.decode()
    assert "ZeroDivisionError" in page and "Retry 3 failed shards" in page
    retried = client.post(f"/recompute/{run.pk}/", {"action": "retry"}, follow=True).content.decode()
    assert "3 failed shard(s) queued again." in retried
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert "Nothing to do" in client.post(f"/recompute/{run.pk}/", {"action": "x"}, follow=True).content.decode()


def test_bad_form_input_is_refused_with_the_reason(client, world, admin):
    client.force_login(admin)
    for data, message in (
        ({"shard_days": "0"}, "greater than or equal to 1"),
        ({"shard_days": "5", "start": "2026-09-10", "end": "2026-09-01"}, "The last day is before the first."),
        ({"shard_days": "5", "start": "0001-01-01"}, "Choose a date from 1900 to 2999."),
        ({"shard_days": "abc"}, "Enter a whole number."),
    ):
        page = client.post("/recompute/", data)
        assert page.status_code == 400 and message in page.content.decode(), data
    assert not RecomputeRun.objects.exists()
    assert client.get("/recompute/999/").status_code == 404


@pytest.mark.parametrize("role", ["ops_manager", "team_leader", "qa_analyst", "agent", "client"])
def test_only_administrators_reach_the_pages(client, world, role):
    run = services.run_create()
    client_of = world[0].client if role == "client" else None
    client.force_login(UserFactory(username=f"u-{role}", role=role, client=client_of))
    assert client.get("/recompute/").status_code == 403
    assert client.post("/recompute/", {"shard_days": "5"}).status_code == 403
    assert client.get(f"/recompute/{run.pk}/").status_code == 403
    assert RecomputeRun.objects.count() == 1
