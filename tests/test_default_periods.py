"""Default periods are never empty: on the first days of a month the trend charts still cover the
last 30 local days (captioned with their dates) and the team leader's "Today" and period blocks
differ. The clock is frozen on month starts, across New York's DST change (1 Nov 2026, a 25-hour
local day) and after a 28-day February."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dashboards.selectors import TREND_MIN_DAYS
from tests.kpi_helpers import load, row

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
# 15:00 UTC is 10:00 or 11:00 in New York: each instant's local date is the date written here.
MOMENTS = [
    datetime(2026, 11, 1, 15, tzinfo=UTC),  # the 1st, and the day New York leaves summer time
    datetime(2026, 11, 2, 15, tzinfo=UTC),  # the 2nd, the day after the change
    datetime(2026, 12, 1, 15, tzinfo=UTC),
    datetime(2027, 3, 1, 15, tzinfo=UTC),  # after February's 28 days
    datetime(2027, 3, 2, 15, tzinfo=UTC),
]


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _seed(alpha, today: date, days: int = 45):
    """One answered call on ALPHA-VOICE (moved to New York) at 09:00 local on each of the last
    `days` local days up to today."""
    alpha.process.timezone = "America/New_York"
    alpha.process.save()
    rows = []
    for back in range(days):
        day = today - timedelta(days=back)
        start = datetime(day.year, day.month, day.day, 9, tzinfo=NY)
        rows.append(
            row(f"c{back}", start.isoformat(), process=alpha.process.code, agent=alpha.agent.code,
                answered_at=(start + timedelta(seconds=10)).isoformat(),
                ended_at=(start + timedelta(seconds=310)).isoformat(), talk=300)
        )  # fmt: skip
    load(rows)


def _charts(html: str) -> dict:
    """Every trend chart's spec on a page (the intraday profile is one day by hours, not a trend)."""
    specs = re.findall(r'<script id="(chart-[^"]+)" type="application/json">(.*?)</script>', html, re.S)
    return {cid: json.loads(body) for cid, body in specs if cid != "chart-intraday"}


def _last_days(today: date) -> list[str]:
    return [(today - timedelta(days=back)).strftime("%d %b") for back in range(TREND_MIN_DAYS - 1, -1, -1)]


def _caption(today: date) -> str:
    start = today - timedelta(days=TREND_MIN_DAYS - 1)
    dates = f"{start:%d %b} – {today:%d %b %Y}" if start.year == today.year else f"{start:%d %b %Y} – {today:%d %b %Y}"
    return f"last {TREND_MIN_DAYS} days, {dates}"


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.date().isoformat())
def test_default_trend_charts_cover_the_last_30_days_early_in_a_month(alpha, moment):
    today = moment.date()
    with time_machine.travel(moment, tick=False):
        _seed(alpha, today)
        pages = {
            "process": (alpha.ops, reverse("dashboards:process", args=[alpha.process.code])),
            "client": (alpha.ops, reverse("dashboards:client", args=[alpha.client.code])),
            "team": (alpha.team_leader, reverse("dashboards:team", args=[alpha.team.code])),
            "agent": (alpha.team_leader, reverse("dashboards:agent", args=[alpha.agent.code])),
            "portal": (alpha.client_user, reverse("dashboards:portal")),
        }
        for name, (user, url) in pages.items():
            response = _as(user).get(url)  # the default period: this month to date
            assert response.status_code == 200, name
            assert response.context["period"].start == today.replace(day=1), name
            html = response.content.decode()
            charts = _charts(html)
            assert charts, f"{name}: no trend chart"
            for cid, spec in charts.items():
                # 30 consecutive local days ending today: none missing or doubled at the DST change.
                assert spec["labels"] == _last_days(today), f"{name} {cid}"
                for dataset in spec["datasets"]:
                    assert len(dataset["data"]) == TREND_MIN_DAYS, f"{name} {cid} {dataset['label']}"
            assert _caption(today) in html, name
        process_page = _as(alpha.ops).get(pages["process"][1]).content.decode()
        volume = _charts(process_page)["chart-p-volume"]
        handled = next(d for d in volume["datasets"] if d["label"] == "Handled")["data"]
        assert handled == [1] * TREND_MIN_DAYS  # one call on every local day, the 25-hour one included


def test_a_period_of_30_days_or_more_is_charted_as_it_is(alpha):
    with time_machine.travel(datetime(2026, 12, 10, 15, tzinfo=UTC), tick=False):
        _seed(alpha, date(2026, 12, 10), days=80)
        html = (
            _as(alpha.ops)
            .get(
                reverse("dashboards:process", args=[alpha.process.code]),
                {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"},
            )
            .content.decode()
        )
    spec = _charts(html)["chart-p-volume"]
    assert len(spec["labels"]) == 61 and spec["labels"][0] == "01 Oct" and spec["labels"][-1] == "30 Nov"
    assert "Per local day · 01 Oct – 30 Nov 2026" in html


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.date().isoformat())
def test_team_leader_today_and_period_blocks_differ(alpha, moment):
    today = moment.date()
    with time_machine.travel(moment, tick=False):
        _seed(alpha, today)
        response = _as(alpha.team_leader).get(reverse("dashboards:team", args=[alpha.team.code]))
    html = response.content.decode()
    today_block = re.search(r'data-testid="today-block">(.*?)</h2>', html, re.S).group(1)
    period_block = re.sub(r"<[^>]+>", "", re.search(r'data-testid="period-block">(.*?)</h2>', html, re.S).group(1))
    assert f"{today:%a} {today.day} {today:%b %Y}" in today_block
    assert response.context["team_today"].components["handled"] == 1
    if today.day == 1:
        last_end = today - timedelta(days=1)
        first = last_end.replace(day=1)
        assert f"Last month: {first:%d %b %Y} – {last_end:%d %b %Y}" in period_block
        assert "the month to date is today only" in period_block
        assert response.context["team_total"].components["handled"] == last_end.day  # one call a day
    else:
        assert f"This month: {today.replace(day=1):%d %b %Y} – {today:%d %b %Y}" in period_block
        assert response.context["team_total"].components["handled"] == today.day
    assert period_block.split("(")[0].strip() != today_block
    # The agents' table heads its period columns with the block's period, not the filter's.
    block = response.context["block_period"]
    head = re.sub(r"<[^>]+>", "", re.search(r'data-testid="team-agents">.*?</thead>', html, re.S).group(0))
    assert f"{block.name} {block.dates}" in head and period_block.startswith(f"{block.name}: {block.dates}")


def test_team_leader_choosing_today_sees_the_last_7_days_beside_it(alpha):
    moment = datetime(2026, 11, 18, 15, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        _seed(alpha, moment.date())
        response = _as(alpha.team_leader).get(reverse("dashboards:team", args=[alpha.team.code]), {"period": "today"})
    html = response.content.decode()
    assert "Last 7 days: 12 Nov 2026 – 18 Nov 2026" in html
    assert response.context["team_today"].components["handled"] == 1
    assert response.context["team_total"].components["handled"] == 7
