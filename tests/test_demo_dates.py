"""`manage.py seed_demo` works on every date and every re-run (issue 13, item 1).

The whole seeding runs — master data, generated interactions through the import service, the KPI
engine, last month's reports (CSV, XLSX, PDF), today's work items through the work services and
the quality data through the quality services — with the clock (time-machine; Django's
timezone.now follows) set to each of 60 consecutive dates and to dates that used to fail, then
running on from there. Small volumes (--days 32 --scale 0.02, 10 evaluations, the PDF layout
stubbed on most dates: see REAL_PDF) keep it quick; the code path is the full one. Each date starts from an empty database (one test per date, rolled
back afterwards). After each run the test checks that the logins were printed and that no
generated time contradicts a rule: nothing after "now", due never before received, each work
item's times in order, evaluations and reports only of what exists.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db.models import F, Max
from django.utils import timezone

from calendars.models import ServiceCalendar
from clients.models import Client
from demo.master_data import demo_logins
from processes.models import Interaction, Process
from quality.demo import DEMO_LOGINS as QUALITY_LOGINS
from quality.models import Evaluation
from reporting.models import DailyKpi
from sla.models import Report, ReportVersion
from work.models import Status, WorkItem, WorkItemEvent
from workforce.models import Forecast, ForecastRun

pytestmark = pytest.mark.django_db

ARGS = ["--days", "32", "--scale", "0.02"]
# 2028-01-15 .. 2028-03-14: two month starts (1 February, 1 March), 29 February 2028 and the US
# DST change (America/New_York, Sunday 2028-03-12). The hour of day moves through the whole day
# from one date to the next (00:07, 05:07, 10:07, ... UTC), so runs just after midnight UTC (a new
# day with hardly any data) and late in the evening are both covered.
WINDOW = [date(2028, 1, 15) + timedelta(days=n) for n in range(60)]
# Some of the dates that crashed before the fix (2026-12-01, 02, 03, 05, 07, 08, 10, 11, 14 and 19
# did), and the European DST changes of 2027 in both directions (London; the US spring change is in
# the window above).
EXTRA = [date(2026, 12, day) for day in (1, 2, 3, 5, 8, 19)] + [date(2027, 3, 28), date(2027, 10, 31)]
USERNAMES = [username for username, *_ in [*demo_logins(), *QUALITY_LOGINS]]


def test_the_window_covers_what_it_claims():
    assert len(WINDOW) == 60
    assert date(2028, 2, 29) in WINDOW
    assert date(2028, 2, 1) in WINDOW and date(2028, 3, 1) in WINDOW
    assert date(2028, 3, 12) in WINDOW  # US DST starts
    assert date(2027, 3, 28) in EXTRA  # EU DST starts


# WeasyPrint lays out a PDF in ~1-2 s; three per date would dominate the file's run time. The
# report's data, its HTML (the PDF template with every figure) and the CSV and XLSX files are
# built for real on every date; the PDF layout itself runs for real on these dates only (and in
# tests/test_reports.py).
REAL_PDF = {date(2026, 12, 1), date(2028, 3, 1)}
# Fewer evaluations than the demo's 150 (same code path: disputes, calibration, coaching, samples).
EVALUATIONS = 10


class _HtmlOnly:
    """Stands in for weasyprint.HTML: writes the rendered report HTML where the PDF would go."""

    def __init__(self, string, base_url=None):
        self.html = string

    def write_pdf(self, target):
        assert "<html" in self.html.lower()
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(self.html)


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("quality.demo.EVALUATIONS", EVALUATIONS)
    return tmp_path


def _fast_pdf(monkeypatch, day: date) -> None:
    if day not in REAL_PDF:
        monkeypatch.setattr("weasyprint.HTML", _HtmlOnly)


def _at(day: date, number: int) -> datetime:
    return datetime(day.year, day.month, day.day, (number * 5) % 24, 7, tzinfo=UTC)


def _seed(django_capture_on_commit_callbacks, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    # The callbacks the seeding leaves for after its commit (KPI recomputes, SLA alerts) run too.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", *ARGS, *args, stdout=out, stderr=err)
    return out.getvalue()


def _assert_logins_printed(output: str) -> None:
    assert "Demo logins (password for all:" in output, output
    table = output.split("Demo logins", 1)[1]
    for username in USERNAMES:
        assert f"\n  {username} " in table, f"{username} missing from the login table:\n{output}"


def _assert_consistent(now: datetime) -> None:
    """No generated time contradicts a rule or lies after `now`."""
    assert Interaction.objects.exists()
    assert not Interaction.objects.filter(arrived_at__gt=now).exists()
    assert not Interaction.objects.filter(ended_at__gt=now).exists()
    assert not Interaction.objects.filter(answered_at__lt=F("arrived_at")).exists()
    assert not Interaction.objects.filter(ended_at__lt=F("arrived_at")).exists()
    items = WorkItem.objects.all()
    assert items.count() == 75
    assert not items.filter(due_at__lt=F("received_at")).exists()
    assert not items.filter(received_at__gt=now).exists()
    assert not items.filter(created_at__gt=now).exists()
    assert items.filter(status=Status.NEW, due_at__lt=now).count() >= 3  # the overdue ones
    for item in items.filter(status=Status.DONE):
        assert item.received_at <= item.assigned_at <= item.started_at <= item.completed_at <= now, item
        assert item.handle_seconds <= (item.completed_at - item.started_at).total_seconds()
    assert not WorkItemEvent.objects.filter(at__gt=now).exists()
    assert not WorkItemEvent.objects.filter(at__lt=F("work_item__received_at")).exists()
    # Evaluations: of answered interactions that exist, made by now.
    evaluations = Evaluation.objects.select_related("interaction")
    assert evaluations.exists()
    for evaluation in evaluations:
        assert evaluation.interaction.agent_id == evaluation.agent_id
        assert evaluation.interaction.ended_at <= now
        assert evaluation.created_at <= now
    # Last month's reports: one per client with figures that month, none of a month without any.
    month_end = timezone.localdate(now).replace(day=1) - timedelta(days=1)
    month = month_end.replace(day=1)
    for client in Client.objects.all():
        has_figures = DailyKpi.objects.filter(client=client, local_date__range=(month, month_end)).exists()
        report = Report.objects.filter(client=client, month=month, current__isnull=False).exists()
        assert report == has_figures, (client.code, month)
    _assert_planning(now)


def _assert_planning(now: datetime) -> None:
    """Workforce planning on every date: ACME-EMAIL's calendar with the holidays of the years
    around today, and a forecast of every active process from its local today, 42 days ahead."""
    calendar = ServiceCalendar.objects.get(code="ACME-BUSINESS")
    assert calendar.processes.filter(code="ACME-EMAIL").exists()
    years = {day.year for day in calendar.holidays.values_list("date", flat=True)}
    assert timezone.localdate(now).year in years
    for process in Process.objects.filter(active=True):
        today = now.astimezone(ZoneInfo(process.timezone)).date()
        days = Forecast.objects.filter(process=process, local_date__gte=today).values_list("local_date", flat=True)
        assert min(days) == today and max(days) == today + timedelta(days=41), process.code
        assert ForecastRun.objects.filter(process=process).exists()


def _run_one(day: date, number: int, django_capture_on_commit_callbacks) -> None:
    now = _at(day, number)
    with time_machine.travel(now, tick=True):
        output = _seed(django_capture_on_commit_callbacks)
        _assert_logins_printed(output)
        _assert_consistent(timezone.now())
    assert Report.objects.filter(current__isnull=False).count() == Client.objects.count()  # 32 days always reach back
    if day in REAL_PDF:
        for version in ReportVersion.objects.all():
            assert version.pdf_size > 1000
            assert (Path(settings.MEDIA_ROOT) / version.pdf).read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("day", WINDOW, ids=str)
def test_the_whole_demo_seeds_on_each_of_60_consecutive_dates(
    day, media, monkeypatch, django_capture_on_commit_callbacks
):
    _fast_pdf(monkeypatch, day)
    _run_one(day, WINDOW.index(day), django_capture_on_commit_callbacks)


@pytest.mark.parametrize("day", EXTRA, ids=str)
def test_the_whole_demo_seeds_on_the_dates_that_failed_and_on_dst_changes(
    day, media, monkeypatch, django_capture_on_commit_callbacks
):
    _fast_pdf(monkeypatch, day)
    _run_one(day, EXTRA.index(day) + 1, django_capture_on_commit_callbacks)


def _finished_rows() -> set:
    return set(
        Interaction.objects.filter(ended_at__isnull=False).values_list(
            "process_id", "external_id", "arrived_at", "answered_at", "ended_at", "agent_id", "abandoned", "csat"
        )
    )


def _rows_up_to(last: dict) -> dict:
    """Per process, how many generated rows arrived by the process's last arrival of an earlier run."""
    generated = Interaction.objects.exclude(external_id__startswith="WI-")
    return {pk: generated.filter(process_id=pk, arrived_at__lte=at).count() for pk, at in last.items()}


def test_running_it_twice_the_same_day_and_again_the_next_day_tops_up(
    media, monkeypatch, django_capture_on_commit_callbacks
):
    _fast_pdf(monkeypatch, date(2028, 2, 28))
    first = datetime(2028, 2, 28, 9, 30, tzinfo=UTC)
    with time_machine.travel(first, tick=True):
        _assert_logins_printed(_seed(django_capture_on_commit_callbacks))
        evaluated = dict(Evaluation.objects.values_list("interaction_id", "interaction__agent_id"))
        before = _finished_rows()
        last = dict(  # the generated rows' last arrival per process (not the work items' records)
            Interaction.objects.exclude(external_id__startswith="WI-")
            .values("process_id")
            .annotate(last=Max("arrived_at"))
            .values_list("process_id", "last")
        )
        rows = _rows_up_to(last)
        output = _seed(django_capture_on_commit_callbacks)
        _assert_logins_printed(output)
        assert "Demo master data already present." in output
        assert "Demo reports already present." in output
        assert "Demo work items for today already present." in output
        assert "Demo quality data already present." in output
        assert WorkItem.objects.count() == 75
        # Nothing that was there changed; at most what arrived since the last arrival was added.
        assert before <= _finished_rows()
        assert _rows_up_to(last) == rows
        _assert_consistent(timezone.now())
    # Three hours later the same day: the interactions are topped up, nothing else is added.
    with time_machine.travel(first + timedelta(hours=3), tick=True):
        count = Interaction.objects.count()
        output = _seed(django_capture_on_commit_callbacks)
        _assert_logins_printed(output)
        assert "Demo interactions:" in output and "earlier ones kept as they were" in output
        assert Interaction.objects.count() > count
        assert before <= _finished_rows()
        _assert_consistent(timezone.now())
    # The next day (29 February): a new day's work items, the interactions up to the new now.
    with time_machine.travel(first + timedelta(days=1), tick=True):
        output = _seed(django_capture_on_commit_callbacks)
        _assert_logins_printed(output)
        assert "Demo work items: 75 created." in output
        now = timezone.now()
        assert WorkItem.objects.count() == 150
        assert not WorkItem.objects.filter(due_at__lt=F("received_at")).exists()
        assert Interaction.objects.filter(local_date=date(2028, 2, 29)).exists()
        assert not Interaction.objects.filter(arrived_at__gt=now).exists()
        assert not Interaction.objects.filter(ended_at__gt=now).exists()
        assert before <= _finished_rows()
    # Evaluated interactions were not rewritten by the top-ups: same agent as when evaluated.
    assert dict(Evaluation.objects.values_list("interaction_id", "interaction__agent_id")) == evaluated


def test_a_failure_saves_nothing_and_says_so(media, monkeypatch, django_capture_on_commit_callbacks):
    def broken():
        raise RuntimeError("quality seeding broke")

    monkeypatch.setattr("quality.demo.seed_quality", broken)
    _fast_pdf(monkeypatch, date(2028, 3, 2))
    err = io.StringIO()
    with time_machine.travel(datetime(2028, 3, 1, 8, tzinfo=UTC), tick=True), pytest.raises(RuntimeError):
        call_command("seed_demo", *ARGS, stdout=io.StringIO(), stderr=err)
    assert "Demo seeding FAILED (RuntimeError: quality seeding broke). Nothing was saved" in err.getvalue()
    assert not Client.objects.exists()
    assert not Interaction.objects.exists()
    assert not WorkItem.objects.exists()
    assert not Report.objects.exists()
    assert not list(media.glob("reports/*/*/v*")), "the failed run's report files are removed"
