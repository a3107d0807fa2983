"""Every time names its zone: the interaction list in each process's local time, the work queue's
header in the zone of its rows, a page mixing processes of several zones saying which rule it
uses, and "today" taken on each process's own local date. The clock is frozen."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from bpo_portal import timezones
from tests.factories import ProcessFactory, WorkItemFactory
from tests.kpi_helpers import load, row

pytestmark = pytest.mark.django_db

# 14:05 UTC on 1 Dec 2026: 09:05 in New York (EST), 19:35 in Kolkata (IST).
INSTANT = "2026-12-01T14:05:00Z"
AROUND = {"period": "custom", "start": "2026-11-30", "end": "2026-12-02"}


def _as(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_zones(alpha):
    """ALPHA-VOICE in Asia/Kolkata and ALPHA-NY in America/New_York, on the same client, team and
    agent; one answered call on each at the very same UTC instant."""
    ny = ProcessFactory(client=alpha.client, code="ALPHA-NY", name="Alpha New York", timezone="America/New_York")
    alpha.agent.processes.add(ny)
    calls = [
        row(f"same-{code}", INSTANT, process=code, agent=alpha.agent.code, answered_at="2026-12-01T14:05:10Z",
            ended_at="2026-12-01T14:10:10Z", talk=300)
        for code in (alpha.process.code, ny.code)
    ]  # fmt: skip
    load(calls)
    return alpha, ny


def _cells(html: str, testid: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(rf'data-testid="{testid}">(.*?)</td>', html)]


# --- the template tag -------------------------------------------------------------------------------


def test_zoned_tag_shows_the_same_instant_in_each_zone_with_its_abbreviation():
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
    html = Template(
        '{% load zones %}{% zoned m "America/New_York" %}|{% zoned m "Asia/Kolkata" "H:i" %}|{{ m|in_zone:"Asia/Dubai" }}'
        "|{% zoned m %}|{% zoned none %}"
    ).render(Context({"m": moment, "none": None}))
    ny, kolkata, dubai, portal, empty = html.split("|")
    assert ny == (
        '<time datetime="2026-12-01T09:05:00-05:00" title="America/New_York (EST, UTC−05:00)">2026-12-01 09:05 EST</time>'
    )
    assert kolkata.endswith(">19:35 IST</time>")
    assert dubai == "2026-12-01 18:05 UTC+04:00"  # tzdata has no letters for Dubai: the offset names it
    assert portal.endswith(">2026-12-01 14:05 UTC</time>")  # the portal's TIME_ZONE (UTC in tests)
    assert empty == "—"


def test_summer_time_is_named_as_such():
    july = datetime(2026, 7, 1, 14, 5, tzinfo=UTC)
    assert timezones.zone_abbreviation(july, "America/New_York") == "EDT"
    assert timezones.zone_abbreviation(july, "Europe/London") == "BST"
    assert timezones.zone_label("Europe/London", at=july) == "Europe/London (BST, UTC+01:00)"
    assert timezones.zone_label("UTC", at=july) == "UTC"


def test_local_days_rule_names_every_zone_of_a_mixed_page():
    assert timezones.local_days_rule(["Europe/London", "America/New_York", "Europe/London"]) == (
        "local days of each process (America/New_York, Europe/London)"
    )
    assert timezones.local_days_rule(["Asia/Kolkata"]) == "local days in Asia/Kolkata"


# --- pages ------------------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
def test_interaction_list_shows_each_process_local_time_with_its_zone(two_zones):
    alpha, ny = two_zones
    html = _as(alpha.ops).get(reverse("dashboards:interactions"), AROUND).content.decode()
    assert "Arrived (process&#x27;s local time)" in html or "Arrived (process's local time)" in html
    arrived = dict(zip(re.findall(r'<td class="code">([A-Z-]+)</td>', html), _cells(html, "arrived"), strict=True))
    assert arrived == {ny.code: "2026-12-01 09:05:00 EST", alpha.process.code: "2026-12-01 19:35:00 IST"}
    assert "14:05:00" not in html  # the UTC wall-clock time is shown nowhere
    assert "Local days of each process (America/New_York, Asia/Kolkata)" in html


@time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
def test_interaction_list_of_one_process_names_its_zone_only(two_zones):
    alpha, ny = two_zones
    html = _as(alpha.ops).get(reverse("dashboards:interactions"), {**AROUND, "process": ny.code}).content.decode()
    assert _cells(html, "arrived") == ["2026-12-01 09:05:00 EST"]
    assert "Local days in America/New_York" in html
    assert "Local days in UTC" not in html


@time_machine.travel(datetime(2026, 12, 1, 20, tzinfo=UTC), tick=False)
def test_work_queue_header_names_the_zone_its_rows_use(alpha):
    """All the team's processes in New York: the header's "as of" and the rows' due times are both
    New York time, named EST; nothing on the page says UTC."""
    alpha.process.timezone = "America/New_York"
    alpha.process.save()
    alpha.process2.timezone = "America/New_York"
    alpha.process2.save()
    WorkItemFactory(process=alpha.process, title="Call back Mrs Smith")
    html = _as(alpha.team_leader).get(reverse("work:queue")).content.decode()
    header = re.search(r"timers count down.*?</div>", html, re.S).group(0)
    assert "times in America/New_York" in header
    assert ">2026-12-01 15:00 EST</time>" in header  # 20:00 UTC
    assert re.search(r"\b\d\d:\d\d EST\b", html.split('data-testid="queue-table"')[1])  # a row's due time
    assert "UTC" not in re.sub(r'title="[^"]*"', "", html)


@time_machine.travel(datetime(2026, 12, 1, 20, tzinfo=UTC), tick=False)
def test_work_queue_mixing_zones_says_so(two_zones):
    alpha, ny = two_zones
    WorkItemFactory(process=ny, title="New York item")
    WorkItemFactory(process=alpha.process, title="Kolkata item")
    html = _as(alpha.team_leader).get(reverse("work:queue")).content.decode()
    header = re.search(r"timers count down.*?</div>", html, re.S).group(0)
    assert "due times in each process's own zone" in header.replace("&#x27;", "'")
    assert ">2026-12-01 20:00 UTC</time>" in header
    table = html.split('data-testid="queue-table"')[1]
    assert re.search(r"\b\d\d:\d\d EST\b", table) and re.search(r"\b\d\d:\d\d IST\b", table)


@time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
def test_team_dashboard_states_its_rule_for_several_zones(two_zones):
    alpha, _ny = two_zones
    html = _as(alpha.team_leader).get(reverse("dashboards:team", args=[alpha.team.code])).content.decode()
    assert "Local days of each process (America/New_York, Asia/Kolkata)" in html
    assert "Local days in UTC" not in html


@time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
def test_agent_dashboard_of_one_zone_uses_that_zone(alpha):
    html = _as(alpha.team_leader).get(reverse("dashboards:agent", args=[alpha.agent.code])).content.decode()
    assert "Local days in Asia/Kolkata" in html
    assert "today is Wed 2 Dec in Asia/Kolkata" in html


# 20:00 UTC on 1 Dec: already 2 Dec (01:30) in Kolkata, still 1 Dec (15:00) in New York.
@time_machine.travel(datetime(2026, 12, 1, 20, tzinfo=UTC), tick=False)
def test_team_today_is_each_process_own_local_today(alpha):
    ny = ProcessFactory(client=alpha.client, code="ALPHA-NY", name="Alpha New York", timezone="America/New_York")
    alpha.agent.processes.add(ny)
    a = alpha.agent.code
    load([
        row("k-today", "2026-12-02T01:00:00+05:30", process=alpha.process.code, agent=a,
            answered_at="2026-12-02T01:00:05+05:30", ended_at="2026-12-02T01:05:05+05:30", talk=300),
        row("k-yesterday", "2026-12-01T12:00:00+05:30", process=alpha.process.code, agent=a,
            answered_at="2026-12-01T12:00:05+05:30", ended_at="2026-12-01T12:05:05+05:30", talk=300),
        row("ny-yesterday", "2026-11-30T14:00:00-05:00", process=ny.code, agent=a,
            answered_at="2026-11-30T14:00:05-05:00", ended_at="2026-11-30T14:05:05-05:00", talk=300),
        row("ny-today", "2026-12-01T14:00:00-05:00", process=ny.code, agent=a,
            answered_at="2026-12-01T14:00:05-05:00", ended_at="2026-12-01T14:05:05-05:00", talk=300),
    ])  # fmt: skip
    response = _as(alpha.team_leader).get(reverse("dashboards:team", args=[alpha.team.code]), {"period": "today"})
    # Kolkata's today is 2 Dec, New York's 1 Dec: k-today and ny-today (a UTC "today" would take
    # k-yesterday instead of k-today).
    today = response.context["team_today"]
    assert today.components["handled"] == 2
    html = response.content.decode()
    assert "each process's own local today" in html
    kpi_today = (
        _as(alpha.team_leader)
        .get(reverse("dashboards:interactions"), {"period": "today", "team": alpha.team.code})
        .content.decode()
    )
    assert sorted(re.findall(r'<td class="code small">([a-z-]+)</td>', kpi_today)) == ["k-today", "ny-today"]


# 01:00 UTC on 2 Dec: "yesterday" is 1 Dec in Kolkata but 30 Nov in New York (20:00 on 1 Dec there).
@time_machine.travel(datetime(2026, 12, 2, 1, tzinfo=UTC), tick=False)
def test_a_preset_meaning_different_dates_in_different_zones_names_both(alpha):
    ny = ProcessFactory(client=alpha.client, code="ALPHA-NY", name="Alpha New York", timezone="America/New_York")
    a = alpha.agent.code
    alpha.agent.processes.add(ny)
    load([
        row("k-1dec", "2026-12-01T10:00:00+05:30", process=alpha.process.code, agent=a,
            answered_at="2026-12-01T10:00:05+05:30", ended_at="2026-12-01T10:05:05+05:30", talk=300),
        row("ny-30nov", "2026-11-30T10:00:00-05:00", process=ny.code, agent=a,
            answered_at="2026-11-30T10:00:05-05:00", ended_at="2026-11-30T10:05:05-05:00", talk=300),
        row("ny-1dec", "2026-12-01T10:00:00-05:00", process=ny.code, agent=a,
            answered_at="2026-12-01T10:00:05-05:00", ended_at="2026-12-01T10:05:05-05:00", talk=300),
    ])  # fmt: skip
    html = _as(alpha.ops).get(reverse("dashboards:interactions"), {"period": "yesterday"}).content.decode()
    label = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'data-testid="period-label">(.*?)</div>', html, re.S).group(1))
    )
    assert label.strip() == "Yesterday: Mon 30 Nov 2026 (America/New_York); Tue 01 Dec 2026 (Asia/Kolkata)"
    assert sorted(re.findall(r'<td class="code small">([a-z0-9-]+)</td>', html)) == ["k-1dec", "ny-30nov"]


@time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
def test_import_times_are_in_the_portal_zone_and_say_so(alpha, settings):
    settings.TIME_ZONE = "Europe/London"
    from processes.models import ImportJob

    ImportJob.objects.filter(pk=alpha.import_job.pk).update(created_at=datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    html = _as(alpha.ops).get(reverse("processes:imports")).content.decode()
    assert "Uploaded (Europe/London)" in html
    assert timezones.zone_label("Europe/London") == "Europe/London (GMT, UTC+00:00)"  # as it is now, in December
    assert ">2026-07-01 09:30 BST</time>" in html  # the moment in summer time, named as such
    detail = _as(alpha.ops).get(reverse("processes:import_detail", args=[alpha.import_job.pk])).content.decode()
    assert ">2026-07-01 09:30:00 BST</time>" in detail
