"""The staffing pages: a process's day (table, chart, totals, links, CSV), its week, the staffing
list, the what-if calculator, the planning settings form, the overview's "Staffing gap today"
column and the menu entry; tenancy (404 outside scope, 403 for clients, agents and QA)."""

import csv
import io
import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ProcessFactory
from workforce.models import Forecast, PlanningSettings

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 5)
NOW = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata (ALPHA), 02:00 in New York (BRAVO)


def _c1(process, day=DAY, hour=9):
    """C1 in the 30-minute interval from local `hour` (the process plans in 30 minutes)."""
    process.interval_minutes = 30
    process.save()
    start = datetime.combine(day, time(hour), tzinfo=ZoneInfo(process.timezone)).astimezone(UTC)
    Forecast.objects.create(process=process, interval_start=start, local_date=day, method="weighted_weeks",
                            base_contacts=100, contacts=100, aht=180, generated_at=timezone.now())  # fmt: skip


def day_url(process, **query):
    url = reverse("workforce:staffing_day", args=[process.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("actor", ["ops", "team_leader"])
def test_the_day_page_shows_every_input_and_figure(client, alpha, actor):
    _c1(alpha.process)
    client.force_login(getattr(alpha, actor))
    response = client.get(day_url(alpha.process, date="2026-10-05"))
    assert response.status_code == 200
    html = response.content.decode()
    # The C1 row: 09:00 IST, C 100, AHT 180, A 10, N 14, 20 with shrinkage, 1 available, gap −19.
    row = next(r for r in response.context["rows"] if r["i"].contacts)
    assert (row["i"].required, row["i"].required_with_shrinkage, row["i"].gap) == (14, 20, -19)
    for text in ["09:00 IST", "10.00", "88.84", "7.84", "71.4", "0.1741", ">-19<", "7.00 h", "1.25 FTE",
                 "target 80.00 % (SLA target) within t = 20 s", "shrinkage 30.00 %", "maximum occupancy 85.00 %",
                 "No schedules exist yet", "Asia/Kolkata (IST, UTC+05:30)"]:  # fmt: skip
        assert text in html, text
    # Links: previous and next day, the week, the forecast of the day, the CSV, what-if prefilled.
    for link in ["?date=2026-10-04", "?date=2026-10-06", "/workforce/ALPHA-VOICE/staffing/week/?start=2026-10-05",
                 "/workforce/ALPHA-VOICE/forecast/?date=2026-10-05", "format=csv",
                 "/workforce/erlang/?contacts=100"]:  # fmt: skip
        assert link in html, link
    chart = json.loads(html.split('id="chart-staffing-day" type="application/json">')[1].split("</script>")[0])
    assert len(chart["labels"]) == 48 and max(chart["datasets"][0]["data"]) == 20
    assert ("Planning settings" in html) == (actor == "ops")


def test_the_day_defaults_to_the_processs_today(client, alpha):
    client.force_login(alpha.ops)
    with time_machine.travel(datetime(2026, 10, 5, 20, 0, tzinfo=UTC), tick=False):  # 01:30 on the 6th in Kolkata
        response = client.get(day_url(alpha.process))
    assert response.context["day"] == date(2026, 10, 6)
    assert "No forecast for this day" in response.content.decode()


def test_the_day_csv(client, alpha):
    _c1(alpha.process)
    client.force_login(alpha.ops)
    response = client.get(day_url(alpha.process, date="2026-10-05", format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 49 and rows[0][0] == "interval start (local)"
    c1 = next(r for r in rows[1:] if r[0] == "2026-10-05 09:00")
    header = rows[0]
    assert c1[header.index("zone")] == "IST" and c1[header.index("required N (agents)")] == "14"
    assert c1[header.index("required with shrinkage (agents)")] == "20"
    assert c1[header.index("service level (%)")] == "88.84"


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-1-5"])
def test_a_bad_date_is_a_400(client, alpha, bad):
    client.force_login(alpha.ops)
    response = client.get(day_url(alpha.process, date=bad))
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()
    week = client.get(reverse("workforce:staffing_week", args=[alpha.process.code]) + f"?start={bad}")
    assert week.status_code == 400


def test_the_week_page_and_csv(client, alpha):
    for n in range(3):
        _c1(alpha.process, date(2026, 10, 5 + n))
    client.force_login(alpha.team_leader)
    url = reverse("workforce:staffing_week", args=[alpha.process.code])
    response = client.get(url + "?start=2026-10-05")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon 2026-10-05" in html and "Sun 2026-10-11" in html and "1.25 FTE" in html and "21.00 h" in html
    rows = list(csv.reader(io.StringIO(client.get(url + "?start=2026-10-05&format=csv").content.decode())))
    assert rows[1] == ["2026-10-05", "100.0", "7.0", "10.0", "1.25", "20", "1", "-19"]
    assert rows[4][1:6] == ["0.0", "0.0", "0.0", "0.0", "0"]


def test_the_staffing_list_shows_today_per_process(client, alpha):
    _c1(alpha.process)
    client.force_login(alpha.ops)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("workforce:staffing"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = {r["process"].code: r["plan"] for r in response.context["rows"]}
    assert rows["ALPHA-VOICE"].peak_required == 20 and rows["ALPHA-CHAT"].has_forecast is False
    assert "Mon 2026-10-05" in html and "(IST)" in html and "no forecast" in html


def test_the_overview_has_the_staffing_gap_today(client, alpha):
    _c1(alpha.process)
    client.force_login(alpha.ops)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboards:overview"))
    html = response.content.decode()
    assert "Staffing gap today" in html and "−19 agents" in html
    rows = {r.process.code: r for r in response.context["rows"]}
    assert rows["ALPHA-CHAT"].staffing.shortfall is None


def test_whatif_answers_and_shows_agents_around_the_answer(client, alpha):
    client.force_login(alpha.team_leader)
    url = reverse("workforce:whatif")
    empty = client.get(url)
    assert empty.status_code == 200 and "result" not in empty.context
    response = client.get(url, {"contacts": 100, "interval_minutes": 30, "aht": 180, "target": 80, "threshold": 20,
                                "shrinkage": 30, "max_occupancy": 85, "concurrency": 1})  # fmt: skip
    html = response.content.decode()
    assert "14 agents" in html and "20 agents" in html and "88.84" in html
    around = response.context["around"]
    assert [r["agents"] for r in around] == [11, 12, 13, 14, 15, 16, 17]
    assert round(next(r for r in around if r["agents"] == 13)["service_level"], 2) == 79.56


def test_whatif_errors_are_per_field(client, alpha):
    client.force_login(alpha.ops)
    response = client.get(reverse("workforce:whatif"), {"contacts": -1, "aht": "abc", "target": 100, "threshold": 20,
                                                        "interval_minutes": 30, "shrinkage": 30,
                                                        "max_occupancy": 85, "concurrency": 1})  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"contacts", "aht"} <= set(errors)
    response = client.get(reverse("workforce:whatif"), {"contacts": 10, "aht": 60, "target": 100, "threshold": 20,
                                                        "interval_minutes": 30, "shrinkage": 30,
                                                        "max_occupancy": 85, "concurrency": 1})  # fmt: skip
    assert "target" in response.context["form"].errors


def test_planning_settings_are_created_on_first_save_by_a_manager(client, alpha):
    url = reverse("workforce:planning_settings", args=[alpha.process.code])
    client.force_login(alpha.team_leader)
    assert client.get(url).status_code == 403
    client.force_login(alpha.ops)
    assert client.get(url).status_code == 200
    assert not PlanningSettings.objects.filter(process=alpha.process).exists()
    bad = client.post(url, {"max_occupancy": 0, "shrinkage": 30, "concurrency": 1, "paid_hours_per_fte": 8})
    assert bad.status_code == 200 and "max_occupancy" in bad.context["form"].errors
    response = client.post(url, {"max_occupancy": 90, "shrinkage": 25, "concurrency": 2, "paid_hours_per_fte": 7.5})
    assert response.status_code == 302
    saved = PlanningSettings.objects.get(process=alpha.process)
    assert (saved.max_occupancy, saved.shrinkage, saved.concurrency, float(saved.paid_hours_per_fte)) == (
        90,
        25,
        2,
        7.5,
    )
    client.post(url, {"max_occupancy": 80, "shrinkage": 25, "concurrency": 2, "paid_hours_per_fte": 7.5})
    assert PlanningSettings.objects.filter(process=alpha.process).count() == 1


def test_another_tenants_process_is_a_404_on_every_page(client, alpha, bravo):
    _c1(bravo.process)
    client.force_login(alpha.ops)
    for name in ("workforce:staffing_day", "workforce:staffing_week", "workforce:planning_settings"):
        assert client.get(reverse(name, args=[bravo.process.code])).status_code == 404, name
    listed = client.get(reverse("workforce:staffing")).content.decode()
    assert "BRAVO" not in listed


def test_a_team_leader_sees_only_their_processes(client, alpha):
    other = ProcessFactory(client=alpha.client, code="ALPHA-MAIL", channel="email")
    client.force_login(alpha.team_leader)
    assert client.get(day_url(other)).status_code == 404
    listed = {r["process"].code for r in client.get(reverse("workforce:staffing")).context["rows"]}
    assert listed == {"ALPHA-VOICE", "ALPHA-CHAT"}


@pytest.mark.parametrize("actor", ["client_user", "agent_user", "qa"])
def test_clients_agents_and_qa_get_403_and_no_menu_entry(client, alpha, actor):
    _c1(alpha.process)
    client.force_login(getattr(alpha, actor))
    for url in [day_url(alpha.process), reverse("workforce:staffing"), reverse("workforce:whatif"),
                reverse("workforce:staffing_week", args=[alpha.process.code])]:  # fmt: skip
        assert client.get(url).status_code == 403, url
    home = client.get("/").content.decode()
    assert "/workforce/staffing/" not in home


def test_the_menu_has_staffing_for_planners(client, alpha):
    client.force_login(alpha.team_leader)
    assert "/workforce/staffing/" in client.get("/").content.decode()


def test_back_office_day_page_says_sl_does_not_apply(client, alpha):
    bo = ProcessFactory(client=alpha.client, code="ALPHA-BO", channel="backoffice", tat_hours=1)
    start = datetime.combine(DAY, time(9), tzinfo=ZoneInfo(bo.timezone)).astimezone(UTC)
    Forecast.objects.create(process=bo, interval_start=start, local_date=DAY, method="weighted_weeks",
                            base_contacts=85, contacts=85, aht=360, generated_at=timezone.now())  # fmt: skip
    client.force_login(alpha.ops)
    html = client.get(day_url(bo, date="2026-10-05")).content.decode()
    assert "SL and ASA do not apply" in html and "Placed (agent-hours)" in html and "2.50" in html


def test_the_overviews_staffing_column_keeps_its_query_count_bounded(client, alpha):
    """The column reads every process's plan in a constant number of queries: the overview with
    three more processes (each with a forecast today) makes as many queries as without them."""
    _c1(alpha.process)
    client.force_login(alpha.ops)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("dashboards:overview"))  # warm caches (sessions, SLA projection)
        with CaptureQueriesContext(connection) as before:
            client.get(reverse("dashboards:overview"))
        for n in range(3):
            _c1(ProcessFactory(client=alpha.client, code=f"ALPHA-X{n}", channel="voice"))
        client.get(reverse("dashboards:overview"))
        with CaptureQueriesContext(connection) as after:
            response = client.get(reverse("dashboards:overview"))
    assert len(response.context["rows"]) == 5
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]


def test_the_interval_table_shows_local_wall_clock_times(client, alpha, bravo):
    """The table's interval start is the process's local time, not the portal's zone relabelled
    (the template's time filter would turn an aware local time back into the portal's zone)."""
    for tenant, cell in [(alpha, "<td>09:00 IST"), (bravo, "<td>09:00 EDT")]:
        _c1(tenant.process)
        client.force_login(tenant.ops)
        html = client.get(day_url(tenant.process, date="2026-10-05")).content.decode()
        assert cell in html
        assert html.count("<td>00:00 ") == 1  # the local day starts at local midnight
