"""The KPI engine against hand-computed cases (KPIS.md)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Case, Value, When

from processes.models import KpiMark, Process
from reporting import engine
from reporting.models import DailyKpi
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory
from tests.kpi_helpers import load, rollup, row, table_snapshot

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def kolkata():
    client = ClientFactory(code="INDIA", timezone="Asia/Kolkata")
    process = ProcessFactory(
        client=client, code="IN-VOICE", timezone="Asia/Kolkata", sl_threshold_seconds=20, short_abandon_seconds=5
    )
    team = TeamFactory(code="T-IN")
    AgentFactory(code="A1", team=team, processes=[process])
    AgentFactory(code="A2", team=team, processes=[process])
    return process


def t(day: str, clock: str, plus: float = 0) -> str:
    """An IST timestamp (ISO with +05:30), optionally `plus` seconds later."""
    moment = datetime.fromisoformat(f"2026-{day}T{clock}").replace(tzinfo=IST) + timedelta(seconds=plus)
    return moment.isoformat()


def worked_example():
    p = "IN-VOICE"
    return [
        row(
            "1",
            t("10-01", "09:00:00"),
            process=p,
            agent="A1",
            answered_at=t("10-01", "09:00:00", 12),
            ended_at=t("10-01", "09:00:00", 312),
            talk=250,
            hold=20,
            wrap=30,
            customer="C1",
            csat=5,
        ),
        row(
            "2",
            t("10-01", "09:01:00"),
            process=p,
            agent="A2",
            answered_at=t("10-01", "09:01:00", 45),
            ended_at=t("10-01", "09:01:00", 465),
            talk=380,
            hold=0,
            wrap=40,
            customer="C2",
            csat=3,
        ),
        row("3", t("10-01", "09:02:00"), process=p, abandoned=True, ended_at=t("10-01", "09:02:00", 3), customer="C3"),
        row("4", t("10-01", "09:03:00"), process=p, abandoned=True, ended_at=t("10-01", "09:03:00", 30), customer="C4"),
        row(
            "5",
            t("10-03", "11:00:00"),
            process=p,
            agent="A1",
            answered_at=t("10-03", "11:00:00", 8),
            ended_at=t("10-03", "11:00:00", 248),
            talk=200,
            hold=0,
            wrap=40,
            customer="C1",
        ),
    ]


def test_worked_example_of_kpis_md(kolkata):
    load(worked_example())
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]
    assert (day["offered"], day["short_abandoned"], day["abandoned"], day["answered"], day["handled"]) == (
        4,
        1,
        1,
        2,
        2,
    )
    assert day["components"]["answered_within"] == 1
    assert day["aht"] == 360.0
    assert day["asa"] == 28.5
    assert day["abandon_rate"] == 33.33
    assert day["service_level"] == 33.33
    assert day["fcr"] == 50.0
    assert day["csat"] == 50.0
    assert day["csat_mean"] == 4.0
    assert day["qa_score"] is None


def test_rates_with_zero_denominator_are_null_not_zero(kolkata):
    load([row("x", t("10-05", "10:00:00"), process="IN-VOICE", abandoned=True, ended_at=t("10-05", "10:00:00", 2))])
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-05"]
    assert day["offered"] == 1 and day["short_abandoned"] == 1
    for name in ("aht", "asa", "abandon_rate", "service_level", "fcr", "csat", "csat_mean", "tat_compliance"):
        assert day[name] is None, name


@pytest.mark.parametrize(
    "formula,expected",
    [
        # answered 4 (within 20 s: 2), abandoned 3 not short (within 20 s: 1), short 1
        ("standard", round(2 / 7 * 100, 2)),
        ("exclude_early_abandons", round(2 / 6 * 100, 2)),
        ("early_abandons_count_good", round(3 / 7 * 100, 2)),
    ],
)
def test_service_level_formulas(kolkata, formula, expected):
    Process.objects.filter(pk=kolkata.pk).update(sl_formula=formula)
    p = "IN-VOICE"
    rows = [
        row(
            "a1",
            t("10-02", "10:00:00"),
            process=p,
            agent="A1",
            answered_at=t("10-02", "10:00:00", 5),
            ended_at=t("10-02", "10:05:00"),
        ),
        row(
            "a2",
            t("10-02", "10:01:00"),
            process=p,
            agent="A1",
            answered_at=t("10-02", "10:01:00", 20),
            ended_at=t("10-02", "10:05:00"),
        ),
        row(
            "a3",
            t("10-02", "10:02:00"),
            process=p,
            agent="A2",
            answered_at=t("10-02", "10:02:00", 21),
            ended_at=t("10-02", "10:05:00"),
        ),
        row(
            "a4",
            t("10-02", "10:03:00"),
            process=p,
            agent="A2",
            answered_at=t("10-02", "10:03:00", 90),
            ended_at=t("10-02", "10:05:00"),
        ),
        row("b1", t("10-02", "11:00:00"), process=p, abandoned=True, ended_at=t("10-02", "11:00:00", 15)),
        row("b2", t("10-02", "11:01:00"), process=p, abandoned=True, ended_at=t("10-02", "11:01:00", 21)),
        row("b3", t("10-02", "11:02:00"), process=p, abandoned=True, ended_at=t("10-02", "11:02:00", 60)),
        row("b4", t("10-02", "11:03:00"), process=p, abandoned=True, ended_at=t("10-02", "11:03:00", 4.999)),
    ]
    load(rows)
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert day["components"]["answered_within"] == 2  # 5 s and exactly 20 s
    assert day["components"]["abandoned_within"] == 1  # 15 s; 21 s and 60 s are not within
    assert (day["answered"], day["abandoned"], day["short_abandoned"]) == (4, 3, 1)
    assert day["service_level"] == expected
    assert day["abandon_rate"] == round(3 / 7 * 100, 2)


def test_aht_asa_handled_include_outbound_only_where_the_spec_says(kolkata):
    p = "IN-VOICE"
    load(
        [
            row(
                "in",
                t("10-02", "10:00:00"),
                process=p,
                agent="A1",
                answered_at=t("10-02", "10:00:00", 10),
                ended_at=t("10-02", "10:10:00"),
                talk=100,
                hold=10,
                wrap=10,
            ),
            row(
                "out",
                t("10-02", "12:00:00"),
                process=p,
                agent="A1",
                direction="outbound",
                answered_at=t("10-02", "12:00:00", 30),
                ended_at=t("10-02", "12:10:00"),
                talk=200,
                hold=0,
                wrap=40,
            ),
        ]
    )
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert day["offered"] == 1 and day["answered"] == 1  # inbound only
    assert day["handled"] == 2  # inbound and outbound
    assert day["aht"] == 180.0  # (120 + 240) / 2
    assert day["asa"] == 10.0  # inbound answered only


def test_csat_top2_and_mean(kolkata):
    p = "IN-VOICE"
    scores = [5, 4, 3, 1, 2, 4]
    load(
        [
            row(
                f"c{i}",
                t("10-02", f"10:0{i}:00"),
                process=p,
                agent="A1",
                answered_at=t("10-02", f"10:0{i}:00", 5),
                ended_at=t("10-02", f"10:0{i}:00", 100),
                csat=score,
            )
            for i, score in enumerate(scores)
        ]
    )
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert day["csat"] == 50.0  # 3 of 6 score 4 or 5
    assert day["csat_mean"] == round(19 / 6, 2)


def test_tat_compliance(kolkata):
    Process.objects.filter(pk=kolkata.pk).update(tat_hours=24, channel="backoffice")
    p = "IN-VOICE"
    load(
        [
            row(
                "bo1",
                t("10-02", "10:00:00"),
                process=p,
                agent="A1",
                answered_at=t("10-02", "11:00:00"),
                ended_at=t("10-03", "10:00:00"),
                talk=600,
            ),  # exactly 24 h: within
            row(
                "bo2",
                t("10-02", "10:00:00", 1),
                process=p,
                agent="A1",
                answered_at=t("10-02", "11:00:00"),
                ended_at=t("10-03", "10:00:02"),
                talk=600,
            ),  # 24 h + 1 s: late
            row(
                "bo3", t("10-02", "12:00:00"), process=p, agent="A2", answered_at=t("10-02", "12:30:00")
            ),  # open: not counted
            row(
                "bo4",
                t("10-02", "13:00:00"),
                process=p,
                agent="A2",
                answered_at=t("10-02", "13:30:00"),
                ended_at=t("10-02", "18:00:00"),
                talk=300,
            ),
        ]
    )
    day = rollup(scope="process", codes=[p])["2026-10-02"]
    assert day["components"]["tat_items"] == 3
    assert day["tat_compliance"] == round(2 / 3 * 100, 2)


def test_tat_compliance_counts_back_office_items_only(kolkata):
    """KPIS.md: "TAT compliance (back-office)": a voice process's calls have no turnaround target,
    a back-office item in it (channel on the row) has."""
    p = "IN-VOICE"
    Process.objects.filter(pk=kolkata.pk).update(tat_hours=1)
    call = {
        "process": p,
        "agent": "A1",
        "answered_at": t("10-02", "10:00:10"),
        "ended_at": t("10-02", "12:00:00"),
        "talk": 60,
    }
    load(
        [
            row("call1", t("10-02", "10:00:00"), **call),  # 2 h, but a call: not a TAT item
            row("call2", t("10-02", "10:00:01"), **call, channel="chat"),
            row("call3", t("10-02", "10:00:02"), **call, direction="outbound"),
            row("bo1", t("10-02", "10:00:03"), **call, channel="backoffice"),  # 2 h > 1 h: late
            row("call4", t("10-03", "10:00:00"), **{**call, "answered_at": t("10-03", "10:00:10"), "ended_at": ""}),
        ]
    )
    days = rollup(scope="process", codes=[p])
    assert days["2026-10-02"]["components"]["tat_items"] == 1
    assert days["2026-10-02"]["tat_compliance"] == 0.0
    assert days["2026-10-03"]["tat_compliance"] is None  # undefined, never 0 or 100


def test_the_tat_migration_marks_the_days_that_counted_other_channels(kolkata):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("reporting.migrations.0004_mark_days_for_tat_back_office_only")
    Process.objects.filter(pk=kolkata.pk).update(channel="backoffice")
    p = "IN-VOICE"
    answered = {"process": p, "agent": "A1", "answered_at": t("10-02", "10:00:10"), "ended_at": t("10-02", "10:30:00")}
    load(
        [
            row("bo1", t("10-02", "10:00:00"), **answered),  # the process's channel: back office
            row("call1", t("10-03", "10:00:00"), **{**answered, "answered_at": t("10-03", "10:00:10"),
                "ended_at": t("10-03", "10:30:00")}, channel="voice"),
            row("open1", t("10-04", "10:00:00"), **{**answered, "answered_at": t("10-04", "10:00:10"),
                "ended_at": ""}, channel="voice"),
        ]
    )  # fmt: skip
    KpiMark.objects.all().delete()
    KpiMark.objects.create(process=kolkata, local_date=date(2026, 10, 3), marked_at=datetime.now(ZoneInfo("UTC")),
                           fcr_only=True)  # fmt: skip

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    # The models as the migration knew them (KpiMark was reporting's then; processes/0007 moved it).
    state = MigrationLoader(connection).project_state(("reporting", "0004_mark_days_for_tat_back_office_only"))
    migration.mark_days(state.apps, editor)
    assert list(KpiMark.objects.values_list("local_date", "fcr_only")) == [(date(2026, 10, 3), False)]


# --- local days -----------------------------------------------------------------------------------


def test_local_day_with_half_hour_offset(kolkata):
    p = "IN-VOICE"
    load(
        [
            # 18:29:59 UTC = 23:59:59 IST on 10-01; 18:30:00 UTC = 00:00 IST on 10-02
            row("before", "2026-10-01T18:29:59Z", process=p, abandoned=True, ended_at="2026-10-01T18:31:00Z"),
            row("after", "2026-10-01T18:30:00+00:00", process=p, abandoned=True, ended_at="2026-10-01T18:31:00Z"),
        ]
    )
    days = rollup(scope="process", codes=[p])
    assert days["2026-10-01"]["offered"] == 1
    assert days["2026-10-02"]["offered"] == 1


def test_local_day_across_midnight_in_the_caller_offset_is_the_process_day():
    client = ClientFactory(code="NY", timezone="America/New_York")
    ProcessFactory(client=client, code="NY-VOICE", timezone="America/New_York")
    # 23:30 in New York on 03-07 written with a +05:30 offset (10:00 on 03-08 in Kolkata).
    load(
        [
            row(
                "x",
                "2026-03-08T10:00:00+05:30",
                process="NY-VOICE",
                abandoned=True,
                ended_at="2026-03-08T10:01:00+05:30",
            )
        ]
    )
    assert list(rollup(scope="process", codes=["NY-VOICE"])) == ["2026-03-07"]


@pytest.mark.parametrize(
    "utc,expected_day",
    [
        ("2026-03-08T04:59:59Z", "2026-03-07"),  # 23:59:59 EST (UTC-5), the night before DST starts
        ("2026-03-08T05:00:00Z", "2026-03-08"),  # 00:00 EST
        ("2026-03-09T03:59:59Z", "2026-03-08"),  # 23:59:59 EDT (UTC-4): the 23-hour day
        ("2026-03-09T04:00:00Z", "2026-03-09"),
        ("2026-11-01T03:59:59Z", "2026-10-31"),  # 23:59:59 EDT before DST ends
        ("2026-11-02T04:59:59Z", "2026-11-01"),  # 23:59:59 EST: the 25-hour day
        ("2026-11-02T05:00:00Z", "2026-11-02"),
    ],
)
def test_local_day_across_dst_changes(utc, expected_day):
    client = ClientFactory(code="NY", timezone="America/New_York")
    ProcessFactory(client=client, code="NY-VOICE", timezone="America/New_York")
    load([row("x", utc, process="NY-VOICE", abandoned=True, ended_at=utc)])
    assert list(rollup(scope="process", codes=["NY-VOICE"])) == [expected_day]


# --- FCR ------------------------------------------------------------------------------------------


def _answered(external_id, arrived, customer, *, process="IN-VOICE", agent="A1"):
    moment = datetime.fromisoformat(arrived)
    return row(
        external_id,
        arrived,
        process=process,
        agent=agent,
        answered_at=(moment + timedelta(seconds=5)).isoformat(),
        ended_at=(moment + timedelta(seconds=65)).isoformat(),
        talk=60,
        customer=customer,
    )


@pytest.mark.parametrize("gap,resolved", [(timedelta(days=7), 0), (timedelta(days=7, seconds=1), 1)])
def test_fcr_window_is_inclusive_to_the_second(kolkata, gap, resolved):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("first", first.isoformat(), "C1"), _answered("repeat", (first + gap).isoformat(), "C1")])
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]
    assert day["components"]["fcr_eligible"] == 1
    assert day["components"]["fcr_resolved"] == resolved


def test_fcr_repeat_must_be_strictly_later(kolkata):
    at = datetime(2026, 10, 1, 9, 0, tzinfo=IST).isoformat()
    load([_answered("one", at, "C1"), _answered("two", at, "C1")])  # same second: neither repeats the other
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]
    assert day["components"]["fcr_resolved"] == 2


def test_fcr_short_abandon_is_not_a_repeat_but_a_longer_abandon_is(kolkata):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    later = first + timedelta(hours=2)
    load(
        [
            _answered("a", first.isoformat(), "C1"),
            row(
                "short",
                later.isoformat(),
                process="IN-VOICE",
                abandoned=True,
                ended_at=(later + timedelta(seconds=4)).isoformat(),
                customer="C1",
            ),
            _answered("b", (first + timedelta(minutes=1)).isoformat(), "C2"),
            row(
                "long",
                later.isoformat(),
                process="IN-VOICE",
                abandoned=True,
                ended_at=(later + timedelta(seconds=5)).isoformat(),
                customer="C2",
            ),
        ]
    )
    day = rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]
    assert day["components"]["fcr_eligible"] == 2
    assert day["components"]["fcr_resolved"] == 1  # only C1's first contact counts as resolved


def test_fcr_contact_on_another_process_is_not_a_repeat(kolkata):
    other = ProcessFactory(client=kolkata.client, code="IN-CHAT", timezone="Asia/Kolkata")
    AgentFactory(code="A9", processes=[other])
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load(
        [
            _answered("a", first.isoformat(), "C1"),
            _answered("b", (first + timedelta(days=1)).isoformat(), "C1", process="IN-CHAT", agent="A9"),
        ]
    )
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 100.0


def test_fcr_outbound_and_empty_customer_are_not_eligible(kolkata):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    outbound = _answered("out", first.isoformat(), "C1")
    outbound["direction"] = "outbound"
    load([outbound, _answered("anon", first.isoformat(), "")])
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["components"]["fcr_eligible"] == 0


def test_late_data_changes_an_earlier_days_fcr(kolkata):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("a", first.isoformat(), "C1")])
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 100.0
    report = load([_answered("b", (first + timedelta(days=6)).isoformat(), "C1")])
    assert report.marked_days == 2  # the new day, and 10-01 whose contact now has a repeat
    assert KpiMark.objects.count() == 0
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 0.0


def test_month_figures_are_from_summed_components_not_mean_of_days(kolkata):
    p = "IN-VOICE"
    rows = [  # day 1: 1 of 1 within; day 2: 1 of 3 within
        _answered("d1", t("10-01", "09:00:00"), ""),
        _answered("d2a", t("10-02", "09:00:00"), ""),
    ]
    for i, wait in enumerate((60, 90)):
        moment = datetime.fromisoformat(t("10-02", f"10:0{i}:00"))
        rows.append(
            row(
                f"d2s{i}",
                moment.isoformat(),
                process=p,
                agent="A2",
                answered_at=(moment + timedelta(seconds=wait)).isoformat(),
                ended_at=(moment + timedelta(seconds=200)).isoformat(),
                talk=100,
            )
        )
    load(rows)
    days = rollup(scope="process", codes=[p])
    assert (days["2026-10-01"]["service_level"], days["2026-10-02"]["service_level"]) == (100.0, 33.33)
    month = rollup("month", scope="process", codes=[p])["2026-10"]
    assert month["service_level"] == 50.0  # 2 of 4, not (100 + 33.33) / 2
    total = rollup("total", scope="process", codes=[p])[None]
    assert total["service_level"] == 50.0


def test_groupings_add_up(kolkata):
    load(worked_example())
    by_agent = rollup("agent", scope="process", codes=["IN-VOICE"])
    assert by_agent["A1"]["handled"] == 2 and by_agent["A2"]["handled"] == 1
    assert by_agent[None]["offered"] == 2  # the two abandons belong to no agent
    by_team = rollup("team", scope="process", codes=["IN-VOICE"])
    assert by_team["T-IN"]["handled"] == 3
    week = rollup("week", scope="process", codes=["IN-VOICE"])
    assert list(week) == ["2026-09-28"]  # Monday of the ISO week of 10-01 and 10-03
    assert week["2026-09-28"]["offered"] == 5


# --- recompute mechanics ----------------------------------------------------------------------------


def test_recompute_twice_and_full_range_give_the_same_table(kolkata):
    load(worked_example())
    first = table_snapshot()
    engine.recompute_days(kolkata, [date(2026, 10, 1), date(2026, 10, 3)])
    engine.recompute_range(kolkata)
    assert table_snapshot() == first


def test_kpi_setting_change_recomputes(kolkata):
    from processes.services import process_update

    load(worked_example())
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["service_level"] == 33.33
    process_update(actor=None, process=kolkata, sl_threshold_seconds=60)
    engine.recompute_marked()
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["service_level"] == 66.67


def test_timezone_change_moves_interactions_to_their_new_local_day(kolkata):
    from processes.services import process_update

    load([row("x", "2026-10-01T20:00:00Z", process="IN-VOICE", abandoned=True, ended_at="2026-10-01T20:01:00Z")])
    assert list(rollup(scope="process", codes=["IN-VOICE"])) == ["2026-10-02"]  # 01:30 IST
    process_update(actor=None, process=kolkata, timezone="America/New_York")
    engine.recompute_marked()
    assert list(rollup(scope="process", codes=["IN-VOICE"])) == ["2026-10-01"]  # 16:00 EDT


def test_marks_renewed_during_a_recompute_survive_it(kolkata):
    load(worked_example(), recompute=False)
    mark = KpiMark.objects.filter(local_date=date(2026, 10, 1)).get()
    original = engine.recompute_process_days

    def recompute_while_an_import_marks_again(*args):
        KpiMark.objects.filter(pk=mark.pk).update(marked_at=mark.marked_at + timedelta(seconds=1))
        return original(*args)

    engine.recompute_process_days = recompute_while_an_import_marks_again
    try:
        engine.recompute_marked()
    finally:
        engine.recompute_process_days = original
    assert list(KpiMark.objects.values_list("local_date", flat=True)) == [date(2026, 10, 1)]
    assert DailyKpi.objects.exists()


def test_full_recompute_of_all_processes_and_the_command_give_the_same_table(kolkata, capsys):
    from django.core.management import call_command

    other = ProcessFactory(
        client=kolkata.client, code="IN-CHAT", timezone="Asia/Kolkata", sl_formula="exclude_early_abandons"
    )
    AgentFactory(code="A9", processes=[other])
    rows = worked_example() + [
        row(
            "c1",
            t("10-02", "10:00:00"),
            process="IN-CHAT",
            agent="A9",
            answered_at=t("10-02", "10:00:00", 30),
            ended_at=t("10-02", "10:09:00"),
            talk=500,
            customer="C1",
        ),
        row("c2", t("10-02", "10:01:00"), process="IN-CHAT", abandoned=True, ended_at=t("10-02", "10:01:00", 9)),
    ]
    load(rows)
    expected = table_snapshot()
    DailyKpi.objects.all().delete()
    assert engine.recompute_all() == len(expected)
    assert table_snapshot() == expected
    DailyKpi.objects.all().delete()
    call_command("compute_kpis")
    assert table_snapshot() == expected
    call_command("compute_kpis", "--process", "IN-CHAT", "--start", "2026-10-01", "--end", "2026-10-31")
    assert table_snapshot() == expected
    assert "component row(s)" in capsys.readouterr().out


def test_compute_kpis_command_refuses_bad_arguments(kolkata):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no process NOPE"):
        call_command("compute_kpis", "--process", "NOPE")
    with pytest.raises(CommandError, match="both --start and --end"):
        call_command("compute_kpis", "--start", "2026-10-01")
    with pytest.raises(CommandError, match="before"):
        call_command("compute_kpis", "--start", "2026-10-05", "--end", "2026-10-01")


def test_moving_the_repeat_contact_away_makes_the_first_contact_resolved_again(kolkata):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("a", first.isoformat(), "C1"), _answered("b", (first + timedelta(days=2)).isoformat(), "C1")])
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 0.0
    load([_answered("b", (first + timedelta(days=20)).isoformat(), "C1")])  # same id, new arrival
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 100.0


def test_changing_the_fcr_window_refreshes_repeat_flags(kolkata):
    from processes.services import process_update

    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("a", first.isoformat(), "C1"), _answered("b", (first + timedelta(days=3)).isoformat(), "C1")])
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 0.0
    process_update(actor=None, process=kolkata, fcr_window_days=2)
    engine.recompute_marked()
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 100.0


def test_refreshing_repeat_flags_restores_the_definition_and_marks_the_days_it_flips(kolkata):
    """The set-based repair (`refresh_repeat_flags`, also run when the FCR window or short-abandon
    setting changes) gives every interaction the flag `repeat_contact_sql` states: window edges
    to the second, equal arrivals, short abandons, other processes, and no repeat without a
    customer reference. Only days with flipped flags get (FCR-only) marks."""
    from django.db import connection

    from processes.ledger import refresh_repeat_flags
    from processes.models import Interaction
    from processes.predicates import repeat_contact_sql

    other = ProcessFactory(client=kolkata.client, code="IN-CHAT", timezone="Asia/Kolkata")
    AgentFactory(code="A9", processes=[other])
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    late = first + timedelta(days=2)
    load(
        [
            _answered("edge", first.isoformat(), "C1"),
            _answered("edge+7d", (first + timedelta(days=7)).isoformat(), "C1"),
            _answered("over", (first + timedelta(days=10)).isoformat(), "C1"),  # 3 days after edge+7d: a repeat of it
            _answered("over+1s", (first + timedelta(days=17, seconds=1)).isoformat(), "C1"),
            _answered("same-1", first.isoformat(), "C2"),
            _answered("same-2", first.isoformat(), "C2"),
            _answered("short-before", first.isoformat(), "C3"),
            row(
                "short",
                late.isoformat(),
                process="IN-VOICE",
                abandoned=True,
                ended_at=(late + timedelta(seconds=4)).isoformat(),
                customer="C3",
            ),  # fmt: skip
            _answered("long-before", first.isoformat(), "C4"),
            row(
                "long",
                late.isoformat(),
                process="IN-VOICE",
                abandoned=True,
                ended_at=(late + timedelta(seconds=5)).isoformat(),
                customer="C4",
            ),  # fmt: skip
            _answered("blank-1", first.isoformat(), ""),
            _answered("blank-2", late.isoformat(), ""),
            _answered("other-process", late.isoformat(), "C5", process="IN-CHAT", agent="A9"),
            _answered("c5", first.isoformat(), "C5"),
        ]
    )

    def definition():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT i.external_id, {repeat_contact_sql('i', 'p')} FROM processes_interaction i"
                " JOIN processes_process p ON p.id = i.process_id WHERE i.customer_ref <> ''"
            )
            return {external_id: bool(flag) for external_id, flag in cursor.fetchall()}

    expected = definition()
    assert {key for key, flag in expected.items() if flag} == {"edge", "edge+7d", "long-before"}
    stored = dict(Interaction.objects.values_list("external_id", "has_repeat"))
    assert {key: stored[key] for key in expected} == expected  # the import wrote them so
    assert not stored["blank-1"] and not stored["blank-2"]

    engine.recompute_marked()
    assert refresh_repeat_flags() == 0  # nothing to repair: no marks
    assert not KpiMark.objects.exists()

    Interaction.objects.filter(external_id__in=["edge", "over", "blank-1"]).update(has_repeat=Case(
        When(has_repeat=True, then=Value(False)), default=Value(True)))  # fmt: skip
    assert refresh_repeat_flags() == 2  # 10-01 (edge, blank-1) and 10-11 (over)
    assert set(KpiMark.objects.values_list("local_date", "fcr_only")) == {
        (date(2026, 10, 1), True),
        (date(2026, 10, 11), True),
    }
    stored = dict(Interaction.objects.values_list("external_id", "has_repeat"))
    assert {key: stored[key] for key in expected} == expected and not stored["blank-1"]

    with connection.cursor() as cursor:  # a process at a time leaves the others alone
        cursor.execute("UPDATE processes_interaction SET has_repeat = NOT has_repeat")
    assert refresh_repeat_flags(other) == 1
    stored = dict(Interaction.objects.values_list("external_id", "has_repeat"))
    assert stored["other-process"] is False and stored["edge"] is not expected["edge"]
    refresh_repeat_flags()
    assert dict(Interaction.objects.filter(customer_ref__gt="").values_list("external_id", "has_repeat")) == expected


# --- FCR-only marks: days whose only change is flipped repeat-contact flags -----------------------


def test_an_import_marks_the_earlier_days_it_only_flips_flags_on_as_fcr_only(kolkata):
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("a", first.isoformat(), "C1"), _answered("x", (first + timedelta(days=1)).isoformat(), "C2")])
    load([_answered("b", (first + timedelta(days=3)).isoformat(), "C1")], recompute=False)
    marks = dict(KpiMark.objects.values_list("local_date", "fcr_only"))
    assert marks == {date(2026, 10, 1): True, date(2026, 10, 4): False}  # 10-02: no flag flipped
    done = engine.recompute_marked()
    assert (done["days"], done["fcr_only_days"]) == (2, 1)
    assert rollup(scope="process", codes=["IN-VOICE"])["2026-10-01"]["fcr"] == 0.0
    expected = table_snapshot()
    engine.recompute_all()
    assert table_snapshot() == expected


def _fcr_setup(kolkata):
    """Two contacts of C1 on 10-01, computed; then 10-01's row is tampered with (offered) and the
    first contact's flag flipped by hand, as an import of a repeat contact would."""
    first = datetime(2026, 10, 1, 9, 0, tzinfo=IST)
    load([_answered("a", first.isoformat(), "C1"), _answered("c", (first + timedelta(hours=1)).isoformat(), "C9")])
    from processes.models import Interaction

    Interaction.objects.filter(external_id="a").update(has_repeat=True)
    DailyKpi.objects.filter(local_date=date(2026, 10, 1)).update(offered=999)
    return date(2026, 10, 1)


def test_an_fcr_only_mark_rewrites_fcr_resolved_and_nothing_else(kolkata):
    from django.db import connection

    from processes.ledger import upsert_marks

    day = _fcr_setup(kolkata)
    with connection.cursor() as cursor:
        upsert_marks(cursor, {(kolkata.pk, day)}, datetime.now(IST), fcr_only=True)
    done = engine.recompute_marked()
    assert done["fcr_only_days"] == 1 and not KpiMark.objects.exists()
    stored = DailyKpi.objects.get(local_date=day)
    assert (stored.offered, stored.fcr_eligible, stored.fcr_resolved) == (999, 2, 1)


def test_a_day_marked_both_ways_is_rewritten_in_full(kolkata):
    from django.db import connection

    from processes.ledger import upsert_marks

    day = _fcr_setup(kolkata)
    for kinds in ((True, False), (False, True)):  # a full mark wins, whichever comes first
        DailyKpi.objects.filter(local_date=day).update(offered=999)
        with connection.cursor() as cursor:
            for fcr_only in kinds:
                upsert_marks(cursor, {(kolkata.pk, day)}, datetime.now(IST), fcr_only=fcr_only)
        assert KpiMark.objects.get().fcr_only is False
        done = engine.recompute_marked()
        assert done["fcr_only_days"] == 0
        stored = DailyKpi.objects.get(local_date=day)
        assert (stored.offered, stored.fcr_eligible, stored.fcr_resolved) == (2, 2, 1)


def test_an_fcr_only_day_that_changed_otherwise_is_rewritten_in_full(kolkata):
    """Safety net: if the stored rows do not match the day's eligible groups, the FCR-only
    rewrite falls back to a full one."""
    from django.db import connection

    from processes.ledger import upsert_marks

    day = _fcr_setup(kolkata)
    DailyKpi.objects.filter(local_date=day).update(fcr_eligible=5)
    with connection.cursor() as cursor:
        upsert_marks(cursor, {(kolkata.pk, day)}, datetime.now(IST), fcr_only=True)
    engine.recompute_marked()
    stored = DailyKpi.objects.get(local_date=day)
    assert (stored.offered, stored.fcr_eligible, stored.fcr_resolved) == (2, 2, 1)
