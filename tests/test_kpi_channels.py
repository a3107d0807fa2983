"""KPIS.md, "Channels: which figures apply", on hand-computed cases.

Queue figures (offered, answered, abandoned, ASA, abandon rate, service level) come from voice,
chat and email contacts only; back-office items count in `received`; TAT covers email and
back-office items; AHT, FCR and CSAT cover every channel; a work item completed in the portal is
a back-office item whatever its process's channel. A figure that does not apply is null.
"""

import importlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from bpo_portal import metrics
from processes.models import KpiMark, Process, SLATarget
from reporting import engine, kpis
from reporting.models import DailyKpi
from tests.conftest import api_as
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory, UserFactory
from tests.kpi_helpers import load, rollup, row
from tests.test_reports import pdf_text

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


def t(day: str, clock: str, plus: float = 0) -> str:
    moment = datetime.fromisoformat(f"2026-{day}T{clock}").replace(tzinfo=IST) + timedelta(seconds=plus)
    return moment.isoformat()


@pytest.fixture
def india():
    client = ClientFactory(code="INDIA", timezone="Asia/Kolkata")
    voice = ProcessFactory(client=client, code="IN-VOICE", channel="voice", sl_threshold_seconds=20, tat_hours=2)
    backoffice = ProcessFactory(client=client, code="IN-BO", channel="backoffice", tat_hours=24)
    email = ProcessFactory(client=client, code="IN-MAIL", channel="email", sl_threshold_seconds=3600, tat_hours=4)
    team = TeamFactory(code="T-IN")
    AgentFactory(code="A1", team=team, processes=[voice, backoffice, email])
    return client


def voice_day_with_work_items():
    """Three calls and two completed work items (back-office rows) in the voice process."""
    p = "IN-VOICE"
    return [
        row("c1", t("10-02", "10:00:00"), process=p, agent="A1", answered_at=t("10-02", "10:00:10"),
            ended_at=t("10-02", "10:05:10"), talk=300, customer="K1"),
        row("c2", t("10-02", "10:05:00"), process=p, agent="A1", answered_at=t("10-02", "10:05:30"),
            ended_at=t("10-02", "10:09:10"), talk=200, customer="K2"),
        row("c3", t("10-02", "10:06:00"), process=p, abandoned=True, ended_at=t("10-02", "10:06:25")),
        # Work items completed in the portal: received 08:00 / 06:00, started an hour / two later.
        row("WI-1", t("10-02", "08:00:00"), process=p, agent="A1", channel="backoffice",
            answered_at=t("10-02", "09:00:00"), ended_at=t("10-02", "09:30:00"), talk=1800, customer="K3"),
        row("WI-2", t("10-02", "06:00:00"), process=p, agent="A1", channel="backoffice",
            answered_at=t("10-02", "08:00:00"), ended_at=t("10-02", "09:00:00"), talk=600, customer="K4"),
    ]  # fmt: skip


def test_voice_process_queue_figures_exclude_completed_work_items(india):
    load(voice_day_with_work_items())
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-02"]
    assert (day["offered"], day["received"], day["answered"], day["abandoned"], day["handled"]) == (3, 2, 2, 1, 4)
    assert day["asa"] == 20.0  # (10 + 30) / 2; the items' waits of 3,600 and 7,200 s are not answers
    assert day["service_level"] == 33.33  # 1 answered within 20 s of 2 answered + 1 abandoned
    assert day["abandon_rate"] == 33.33
    assert day["aht"] == 725.0  # (300 + 200 + 1800 + 600) / 4: AHT covers every channel
    assert day["tat_compliance"] == 50.0  # the items only: 1.5 h within 2 h, 3 h late; calls have no TAT
    assert day["components"]["tat_items"] == 2
    assert day["fcr"] == 100.0  # eligible: the four handled inbound rows with a customer


def test_work_item_completed_in_the_portal_is_a_back_office_item_of_a_voice_process(india):
    from work import services as work_services
    from work.models import WorkItem

    voice = Process.objects.get(code="IN-VOICE")
    agent_user = UserFactory(username="a1", role="agent")
    agent = voice.agents.get(code="A1")
    agent.user = agent_user
    agent.save()
    received = datetime(2026, 10, 2, 9, 0, tzinfo=IST)
    item = WorkItem.objects.create(process=voice, client=voice.client, title="Refund", type="back_office",
                                   received_at=received, due_at=received + timedelta(hours=2), assignee=agent,
                                   status="assigned")  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: received + timedelta(minutes=30))
        item = work_services.work_item_transition(item=item, actor=agent_user, to="in_progress")
        patch.setattr("django.utils.timezone.now", lambda: received + timedelta(minutes=90))
        work_services.work_item_transition(item=item, actor=agent_user, to="done", note="refunded")
    engine.recompute_marked()
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-02"]
    assert (day["offered"], day["received"], day["handled"]) == (0, 1, 1)
    assert day["asa"] is None and day["service_level"] is None and day["abandon_rate"] is None
    assert day["aht"] == 3600.0
    assert day["tat_compliance"] == 100.0  # 1.5 h within the 2 h turnaround


def test_back_office_process_has_no_queue_figures(india):
    p = "IN-BO"
    load(
        [
            row("b1", t("10-02", "09:00:00"), process=p, agent="A1", answered_at=t("10-02", "12:00:00"),
                ended_at=t("10-03", "08:00:00"), talk=900),  # 23 h: within 24
            row("b2", t("10-02", "10:00:00"), process=p, agent="A1", answered_at=t("10-03", "10:00:00"),
                ended_at=t("10-03", "11:00:00"), talk=300),  # 25 h: late
            row("b3", t("10-02", "11:00:00"), process=p),  # received, not picked up yet
        ]
    )  # fmt: skip
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert (day["offered"], day["received"], day["answered"], day["abandoned"], day["handled"]) == (0, 3, 0, 0, 2)
    assert day["asa"] is None
    assert day["service_level"] is None
    assert day["abandon_rate"] is None
    assert day["aht"] == 600.0
    assert day["tat_compliance"] == 50.0


def test_email_process_tat_is_defined_and_its_sla_target_is_evaluated(india):
    p = "IN-MAIL"
    load(
        [
            row("e1", t("10-02", "09:00:00"), process=p, agent="A1", answered_at=t("10-02", "10:00:00"),
                ended_at=t("10-02", "10:30:00"), talk=300),  # waited 1 h, done in 1.5 h
            row("e2", t("10-02", "09:30:00"), process=p, agent="A1", answered_at=t("10-02", "13:00:00"),
                ended_at=t("10-02", "14:00:00"), talk=600),  # waited 3.5 h, done in 4.5 h: late
            row("e3", t("10-02", "10:00:00"), process=p, agent="A1", answered_at=t("10-02", "11:00:00"),
                ended_at=t("10-02", "13:59:59"), talk=200),  # done in 3 h 59 min 59 s
        ]
    )  # fmt: skip
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert (day["offered"], day["received"], day["answered"]) == (3, 0, 3)
    assert day["asa"] == 6600.0  # (3600 + 12600 + 3600) / 3
    assert day["service_level"] == 66.67  # within 3,600 s: e1 and e3
    assert day["tat_compliance"] == 66.67
    mail = Process.objects.get(code=p)
    SLATarget.objects.create(process=mail, metric="tat_compliance", comparator=">=", target=95, credit_percent=2)
    admin = UserFactory(username="root", role="admin", is_superuser=True)
    response = api_as(admin).get("/api/v1/sla/", {"process": p, "month": "2026-10"})
    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    assert result["metric"] == "tat_compliance"
    assert result["actual"] == 66.67
    assert result["met"] is False


def test_kpi_api_returns_received(india):
    load(voice_day_with_work_items())
    admin = UserFactory(username="root", role="admin", is_superuser=True)
    body = api_as(admin).get("/api/v1/kpis/", {"process": "IN-VOICE", "start": "2026-10-02", "end": "2026-10-02"})
    assert body.status_code == 200
    (day,) = body.json()["results"]
    assert (day["offered"], day["received"], day["handled"]) == (3, 2, 4)


def test_figures_that_apply_per_channel():
    assert metrics.applicable(["backoffice"]) == [
        "received", "tat_compliance", "handled", "aht", "fcr", "csat", "csat_mean", "qa_score",
    ]  # fmt: skip
    voice = metrics.applicable(["voice"])
    assert "tat_compliance" not in voice and "received" not in voice and "service_level" in voice
    assert "tat_compliance" in metrics.applicable(["email"])
    assert set(metrics.applicable(["voice", "backoffice"])) == set(metrics.METRICS)


def test_the_channel_migration_marks_days_with_back_office_or_email_work_and_they_are_recomputed(india):
    """Days stored under the 2026.2 definitions (queue figures counting back-office items, no
    `received`, no email TAT) are marked by migration 0005 and recomputed by the sweep."""
    migration = importlib.import_module("reporting.migrations.0005_dailykpi_received")
    calls_only = [
        row("x1", t("10-05", "10:00:00"), process="IN-VOICE", agent="A1", answered_at=t("10-05", "10:00:05"),
            ended_at=t("10-05", "10:01:00"), talk=55),
    ]  # fmt: skip
    load(voice_day_with_work_items() + calls_only)
    voice = Process.objects.get(code="IN-VOICE")
    # What the old definitions stored for 10-02: the two items counted as offered and answered.
    DailyKpi.objects.filter(process=voice, local_date=date(2026, 10, 2), agent__code="A1").update(
        offered=4, received=0, answered=4, wait_seconds=10 + 30 + 3600 + 7200
    )
    stale = rollup(scope="process", codes=["IN-VOICE"])["2026-10-02"]
    assert stale["asa"] == 2710.0
    KpiMark.objects.all().delete()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    # The models as the migration knew them (KpiMark was reporting's then; processes/0007 moved it).
    state = MigrationLoader(connection).project_state(("reporting", "0005_dailykpi_received"))
    migration.mark_days(state.apps, editor)
    assert set(KpiMark.objects.values_list("process__code", "local_date", "fcr_only")) == {
        ("IN-VOICE", date(2026, 10, 2), False)
    }  # 10-05 holds calls only: its stored figures are the same under both definitions
    engine.recompute_marked()
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-02"]
    assert (day["offered"], day["received"], day["asa"]) == (3, 2, 20.0)
    assert not KpiMark.objects.exists()


def test_definition_version_is_bumped():
    assert kpis.KPI_DEFINITION_VERSION == "2026.3"


@pytest.mark.parametrize(("outcome", "ids"), [("offered", {"c1", "c2", "c3"}), ("received", {"WI-1", "WI-2"}),
                                              ("answered", {"c1", "c2"}), ("handled", {"c1", "c2", "WI-1", "WI-2"})])  # fmt: skip
def test_the_interactions_behind_each_count_follow_the_channel_rules(india, client, outcome, ids):
    load(voice_day_with_work_items())
    admin = UserFactory(username="root", role="admin", is_superuser=True)
    client.force_login(admin)
    query = {"process": "IN-VOICE", "period": "custom", "start": "2026-10-02", "end": "2026-10-02",
             "outcome": outcome, "format": "csv"}  # fmt: skip
    response = client.get("/dashboard/interactions/", query)
    assert response.status_code == 200
    lines = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
    listed = {line.split(",")[1] for line in lines.strip().splitlines()[1:]}
    assert listed == ids


def test_reports_show_per_process_only_the_figures_that_apply(india, settings, tmp_path):
    """PDF, XLSX and CSV of a month: the back-office process has no queue figures, the email
    process has TAT, the voice process has TAT only because work items were completed in it."""
    import csv as csv_module
    import io

    import openpyxl

    from sla.reports import render
    from sla.reports.data import report_data_build

    settings.MEDIA_ROOT = str(tmp_path)
    p = "IN-BO"
    load(
        voice_day_with_work_items()
        + [
            row("b1", t("10-02", "09:00:00"), process=p, agent="A1", answered_at=t("10-02", "12:00:00"),
                ended_at=t("10-03", "08:00:00"), talk=900),
            row("e1", t("10-02", "09:00:00"), process="IN-MAIL", agent="A1", answered_at=t("10-02", "10:00:00"),
                ended_at=t("10-02", "10:30:00"), talk=300),
        ]
    )  # fmt: skip
    data = report_data_build(client=india, month=date(2026, 10, 1))
    shown = {s.process.code: [m.key for m in s.metrics] for s in data.sections}
    assert (
        "service_level" not in shown["IN-BO"] and "asa" not in shown["IN-BO"] and "abandon_rate" not in shown["IN-BO"]
    )
    assert {"tat_compliance", "aht", "qa_score"} <= set(shown["IN-BO"])
    assert {"service_level", "asa", "tat_compliance"} <= set(shown["IN-MAIL"])
    assert "tat_compliance" in shown["IN-VOICE"]  # its completed work items

    csv_path, xlsx_path, pdf_path = tmp_path / "r.csv", tmp_path / "r.xlsx", tmp_path / "r.pdf"
    render.write_csv(data, csv_path)
    rows = list(csv_module.DictReader(io.StringIO(csv_path.read_text())))
    bo_metrics = {r["metric"] for r in rows if r["process"] == "IN-BO" and r["period"] == "month" and r["unit"]}
    assert "service_level" not in bo_metrics and "tat_compliance" in bo_metrics
    render.write_xlsx(data, xlsx_path)
    sheet = openpyxl.load_workbook(xlsx_path)["IN-BO"]
    labels = {cell.value for cell in sheet["A"] if isinstance(cell.value, str)}
    assert "Turnaround compliance" in labels and "Service level" not in labels
    render.write_pdf(data, pdf_path)
    text = pdf_text(pdf_path.read_bytes())
    bo_part = text[text.index("IN-BO · Back office") : text.index("IN-MAIL · Email")]
    assert "Service level" not in bo_part and "Abandon" not in bo_part
    assert "Back-office items received per day" in bo_part and "Turnaround compliance" in bo_part


def test_back_office_process_dashboard_reads_its_own_figures(india, client):
    """Tiles, charts and the intraday profile of a back-office process: received and turnaround,
    no queue figures, no empty chart; early in a local day the profile shows the day before."""
    import time_machine

    load(
        [
            row("b1", t("10-02", "09:00:00"), process="IN-BO", agent="A1", answered_at=t("10-02", "12:00:00"),
                ended_at=t("10-02", "15:00:00"), talk=900),
        ]
    )  # fmt: skip
    admin = UserFactory(username="root", role="admin", is_superuser=True)
    client.force_login(admin)
    with time_machine.travel(datetime(2026, 10, 3, 0, 30, tzinfo=IST), tick=False):
        response = client.get("/dashboard/processes/IN-BO/")
    assert response.status_code == 200
    context = response.context
    assert [m.key for m in context["tile_metrics"]][:3] == ["received", "handled", "tat_compliance"]
    titles = [title for _, title, _ in context["charts"]]
    assert titles[0] == "Volume per day: received, handled"
    assert not any(title.startswith(("Service level", "CSAT")) for title in titles)  # n/a, and no surveys
    assert any(title.startswith("Turnaround compliance") for title in titles)
    assert context["day"] == date(2026, 10, 2)  # nothing arrived yet on the 3rd, 00:30 local
    assert "showing the day before" in context["intraday_note"]
    assert [d["label"] for d in context["intraday_chart"]["datasets"]] == ["Received", "Handled"]
