"""The PostgreSQL CSV import (the file streamed by COPY into the database, the rules checked in
SQL) against the Python reference path (`csv_rows` + RowValidator, what SQLite and the JSON bulk
API use): the same errors in the same order, the same counts, the same rows and the same marks."""

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes import imports
from processes.imports import (
    COLUMNS,
    ImportFailed,
    ImportReport,
    csv_rows,
    import_csv,
    import_interactions,
    postgres_path,
    writing,
)
from processes.models import Interaction, KpiMark
from tests.conftest import require
from tests.kpi_helpers import csv_text, row
from tests.kpi_helpers import good_row as good

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


@pytest.fixture(autouse=True)
def _postgres(db):
    require(connection.vendor == "postgresql", "the COPY import path needs DATABASE_URL to point at PostgreSQL")


class _RolledBack(Exception):
    pass


def _outcome(run) -> dict:
    """Run one import in a savepoint that is rolled back afterwards; what it reported and wrote."""
    result = {}
    try:
        with transaction.atomic():
            try:
                report = run()
                result["ok"] = True
            except ImportFailed as failed:
                report = failed.report
                result["ok"] = False
            result["report"] = (
                report.rows,
                report.created,
                report.updated,
                report.error_count,
                [str(e) for e in report.errors],
                report.error_lines(),
                report.marked_days,
                sorted(report.process_ids),
            )
            result["interactions"] = [
                {k: v for k, v in values.items() if k not in ("id", "imported_at")}
                for values in Interaction.objects.order_by("process_id", "external_id").values()
            ]
            result["marks"] = sorted(KpiMark.objects.values_list("process_id", "local_date"))
            raise _RolledBack
    except _RolledBack:
        pass
    return result


def reference(data: bytes, user=None) -> dict:
    def run():
        report = ImportReport()
        return import_interactions(csv_rows(io.BytesIO(data), report), user=user, report=report, recompute=False)

    return _outcome(run)


def copied(data: bytes, user=None) -> dict:
    return _outcome(lambda: import_csv(io.BytesIO(data), user=user, recompute=False))


def same(data: bytes | str, user=None) -> dict:
    """Both paths give the same outcome for `data`, which is returned."""
    if isinstance(data, str):
        data = data.encode()
    expected = reference(data, user)
    assert copied(data, user) == expected
    return expected


@pytest.fixture(params=[None, 1, 64], ids=["1MiB-blocks", "1-byte-blocks", "64-byte-blocks"])
def block(request, monkeypatch):
    """Reading in tiny blocks exercises every block boundary, segment switch and fallback."""
    if request.param is not None:
        monkeypatch.setattr(postgres_path, "_BLOCK", request.param)
    return request.param


@pytest.fixture
def python_rows(monkeypatch):
    """How many records went through RowValidator on the COPY path (the rest were checked in SQL)."""
    calls = []
    validate = imports.RowValidator.validate

    def counting(self, line, values, report):
        calls.append(line)
        return validate(self, line, values, report)

    monkeypatch.setattr(imports.RowValidator, "validate", counting)
    return calls


def text_of(rows, columns=COLUMNS) -> str:
    return csv_text(rows, columns)


# --- the fast path is the common path ---------------------------------------------------------------


def test_a_typical_file_never_reaches_the_python_validator(alpha, python_rows):
    rows = [good(f"e{i}", customer_ref=f"C{i % 7}") for i in range(50)]
    rows += [
        row("a1", "2026-10-02T10:00:00Z", process="ALPHA-VOICE", abandoned=True, ended_at="2026-10-02T10:01:00Z"),
        row("o1", "2026-10-02T10:00:00.123456+05:30", process="ALPHA-CHAT"),
    ]
    outcome = same(text_of(rows))
    assert outcome["ok"] and outcome["report"][:3] == (52, 52, 0)
    python_rows.clear()
    copied(text_of(rows).encode())
    assert python_rows == []


def test_rules_on_plain_values_are_checked_in_sql(alpha, bravo, python_rows):
    rows = [
        good("ok"),
        good("p", process="NOPE"),
        good("c", channel="fax"),
        good("a", agent="ZZZ"),
        good("s", agent="B0001"),
        good("x" * 101),
    ]
    outcome = same(text_of(rows))
    python_rows.clear()
    copied(text_of(rows).encode())
    assert python_rows == []
    assert outcome["report"][4] == [
        "line 3, column process: no process 'NOPE' that you may import into",
        "line 4, column channel: 'fax' is not one of backoffice, chat, email, voice",
        "line 5, column agent: no agent 'ZZZ'",
        "line 6, column agent: agent B0001 is not staffed on process ALPHA-VOICE",
        "line 7, column external_id: longer than 100 characters",
    ]


# --- the rule table, through both paths ----------------------------------------------------------------

RULES = [
    {"external_id": ""},
    {"external_id": "x" * 101},
    {"external_id": "é" * 100},
    {"external_id": "é" * 101},
    {"process": ""},
    {"process": "NOPE"},
    {"process": "NO'PE\\"},
    {"agent": "ZZZ"},
    {"agent": 'Z"Z'},
    {"agent": ""},
    {"channel": "fax"},
    {"channel": "chat"},
    {"channel": "Voice"},
    {"direction": "sideways"},
    {"direction": "outbound"},
    {"customer_ref": "c" * 101},
    {"customer_ref": "ç" * 100},
    {"arrived_at": ""},
    {"arrived_at": "2026-10-01T09:00:00"},
    {"arrived_at": "2026-10-01"},
    {"arrived_at": "yesterday"},
    {"answered_at": "2026-10-01T08:59:59+05:30"},
    {"answered_at": "2026-10-01T09:00:10"},
    {"answered_at": "2026-10-01T03:30:00Z"},
    {"ended_at": "2026-10-01T09:00:05+05:30"},
    {"ended_at": "2026-10-01T08:00:00+05:30"},
    {"answered_at": "2026-10-01T08:00:00+05:30", "ended_at": "2026-10-01T08:30:00+05:30"},
    {"talk_seconds": "-3"},
    {"hold_seconds": "1.5"},
    {"wrap_seconds": "abc"},
    {"talk_seconds": "2147483647"},
    {"talk_seconds": "2147483648"},
    {"talk_seconds": "0000000000000000000000000000012"},
    {"talk_seconds": "999999999"},
    {"abandoned": "maybe"},
    {"abandoned": "TRUE"},
    {"abandoned": "False"},
    {"resolved": "perhaps"},
    {"resolved": "1"},
    {"resolved": "FALSE"},
    {"resolved": "0"},
    {"csat": "6"},
    {"csat": "0"},
    {"csat": "4.5"},
    {"csat": "1"},
    {"csat": ""},
    {"disposition": "d" * 101},
    {"abandoned": "true"},
    {"abandoned": "1", "answered_at": "", "csat": ""},
    {"abandoned": "true", "answered_at": "", "agent": "", "ended_at": "", "csat": ""},
    {"abandoned": "true", "answered_at": "", "agent": "", "csat": ""},
    {"answered_at": "", "ended_at": "2026-10-01T08:00:00+05:30", "csat": ""},
    {"answered_at": "", "csat": "4"},
    {"answered_at": "", "agent": "", "csat": ""},
    {"answered_at": "", "csat": ""},
    {"process": "NOPE", "agent": "ZZZ", "channel": "fax", "csat": "9", "arrived_at": "soon"},
    {"process": "NOPE", "channel": ""},
]


@pytest.mark.parametrize("change", RULES, ids=[repr(c)[:60] for c in RULES])
def test_each_rule_gives_the_same_outcome(alpha, bravo, change):
    same(text_of([good("ok"), {**good("bad"), **change}, good("ok2")]))


def test_the_callers_scope_is_the_same(alpha, bravo):
    rows = [good("a"), good("b", process="BRAVO-VOICE", agent="B0001"), good("c", process="ALPHA-CHAT")]
    outcome = same(text_of(rows), user=alpha.ops)
    assert outcome["report"][4] == [
        "line 3, column process: no process 'BRAVO-VOICE' that you may import into",
        "line 3, column agent: no agent 'B0001'",
    ]
    assert same(text_of(rows))["ok"]


def test_duplicates_within_the_file_and_across_both_paths(alpha, block):
    rows = [good("dup"), good("x1"), good("dup", customer_ref=" padded "), good("dup"), good("y", process="ALPHA-CHAT")]
    outcome = same(text_of(rows))
    assert outcome["report"][4] == [
        "line 4, column external_id: 'dup' already appears on line 2 for this process",
        "line 5, column external_id: 'dup' already appears on line 2 for this process",
    ]


def test_duplicates_of_a_stored_row_are_found_too(alpha):
    import_csv(io.BytesIO(text_of([good("old"), good("other")]).encode()), user=None, recompute=False)
    stored = list(Interaction.objects.order_by("pk").values())
    outcome = same(text_of([good("new"), good("old", customer_ref="C9"), good("new2"), good("old")]))
    assert outcome["report"][3:5] == (
        1,
        ["line 5, column external_id: 'old' already appears on line 3 for this process"],
    )
    assert list(Interaction.objects.order_by("pk").values()) == stored


def test_errors_are_listed_in_file_order_up_to_100_then_counted(alpha, block):
    rows = []
    for i in range(160):
        if i % 3 == 0:
            rows.append(good(f"e{i}", agent="NOBODY"))  # checked in SQL
        elif i % 3 == 1:
            rows.append(good(f"e{i}", csat="9"))  # checked by RowValidator
        else:
            rows.append(good(f"e{i}", process="NOPE", ended_at="2026-10-01T09:00:05+05:30"))  # two errors, SQL
    outcome = same(text_of(rows))
    assert outcome["report"][3] == 213 and len(outcome["report"][4]) == 100


# --- values that need escaping, quoting or trimming ---------------------------------------------------

AWKWARD = [
    "tab\there",
    "back\\slash",
    "\\N",
    "\\.",
    'say "hi"',
    "comma, inside",
    "line\nbreak",
    "crlf\r\ninside",
    "cr\ronly",
    "  padded  ",
    "\u00a0nbsp\u00a0",
    "\u2003em space",
    "ends with tab\t",
    "café ☕ 中文",
    "’quotes’ “and” ‘more’",
    "",
    '"',
    '""',
    "x" * 100,
]


@pytest.mark.parametrize("value", AWKWARD, ids=[repr(v)[:30] for v in AWKWARD])
def test_awkward_text_values_are_stored_the_same(alpha, value):
    outcome = same(text_of([good("e1", customer_ref=value, disposition=value), good("e2", disposition=value)]))
    # csv.writer leaves a lone carriage return unquoted: both paths then read it as a line break.
    assert outcome["ok"] == (value != "cr\ronly")


def test_quoted_fields_everywhere(alpha, block):
    lines = [HEADER]
    for i in range(5):
        values = [str(v) for v in good(f"q{i}", disposition=f"d,{i}").values()]
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in values))
    assert same("\n".join(lines) + "\n")["ok"]


# --- timestamps ---------------------------------------------------------------------------------------

TIMESTAMPS = [
    "2026-10-01T09:00:00Z",
    "2026-10-01T09:00:00+0530",
    "2026-10-01T09:00:00+05",
    "2026-10-01T09:00:00-00:00",
    "2026-10-01T09:00:00.5+05:30",
    "2026-10-01T09:00:00.123456-03:00",
    "2026-10-01T09:00:00.1234567+05:30",
    "2026-10-01T09:00:00.123456789Z",
    "2026-10-01T09:00:00,5Z",
    "2026-10-01T09:00Z",
    "2026-10-01T09Z",
    "2026-10-01t09:00:00Z",
    "2026-10-01 09:00:00+05:30",
    "2026-10-01x09:00:00Z",
    "20261001T090000Z",
    "2026-W40-4T09:00Z",
    "2026-10-01T09:00:00+15:59",
    "2026-10-01T09:00:00-15:59",
    "2026-10-01T09:00:00+16:00",
    "2026-10-01T09:00:00+23:59",
    "2026-10-01T09:00:00+24:00",
    "2026-10-01T09:00:00+05:60",
    "2026-10-01T09:00:00+05:30:15",
    "2026-02-28T23:59:59Z",
    "2026-02-29T09:00:00Z",
    "2026-02-30T09:00:00Z",
    "2028-02-29T09:00:00Z",
    "2000-02-29T09:00:00Z",
    "2100-02-29T09:00:00Z",
    "2026-04-31T09:00:00Z",
    "2026-12-31T23:59:59.999999Z",
    "2026-13-01T09:00:00Z",
    "2026-10-01T24:00:00Z",
    "2026-10-01T09:60:00Z",
    "2026-10-01T09:00:60Z",
    "0999-10-01T09:00:00Z",
    "1000-01-01T00:00:00+15:00",
    "2999-12-31T23:59:59-15:59",
    "3000-01-01T00:00:00Z",
    "2026-10-01T09:00:00",
    "2026-10-01",
    "2026-10-01Z",
    "2026-10-01T9:00Z",
    "yesterday",
]


@pytest.mark.parametrize("value", TIMESTAMPS)
@pytest.mark.parametrize("column", ["arrived_at", "answered_at", "ended_at"])
def test_timestamp_forms_are_read_the_same(alpha, column, value):
    data = row("t1", "2026-09-01T00:00:00Z", process="ALPHA-VOICE", agent="A0001")
    data[column] = value
    if column == "ended_at":
        data["answered_at"] = ""
        data["agent"] = ""
    same(text_of([data, row("t2", value, process="ALPHA-VOICE", abandoned=True, ended_at=value)]))


def test_random_timestamps_become_the_same_instants_days_and_durations(alpha, python_rows):
    from tests.factories import ProcessFactory

    processes = ["ALPHA-VOICE"]
    for code, zone in [("ALPHA-LONDON", "Europe/London"), ("ALPHA-NY", "America/New_York")]:
        ProcessFactory(client=alpha.client, code=code, timezone=zone)
        processes.append(code)
    rng = random.Random(7)
    rows = []
    for i in range(600):
        year, month = rng.randrange(1000, 3000), rng.randrange(1, 13)
        day = rng.randrange(1, 29)
        moment = datetime(year, month, day, rng.randrange(24), rng.randrange(60), rng.randrange(60), tzinfo=UTC)
        if rng.random() < 0.7:
            moment = moment.replace(microsecond=rng.randrange(1_000_000))
        # Offsets real zones use run from -12:00 to +14:00 (others are refused: issue 14).
        offset = rng.choice(["Z", "+05:30", "-0330", "+14", "+13:45", "-11:59", "+00:00", "-12:00"])
        separator = rng.choice(["T", " ", "t"])
        digits = rng.choice([0, 1, 3, 6])
        text = moment.strftime("%Y-%m-%d") + separator + moment.strftime("%H:%M:%S")
        if digits:
            text += "." + f"{moment.microsecond:06d}"[:digits]
        ended = moment + timedelta(seconds=rng.randrange(0, 10**9), microseconds=rng.randrange(10**6))
        ended = min(ended, datetime(2999, 12, 31, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows.append(row(f"r{i}", text + offset, process=processes[i % 3], abandoned=True, ended_at=ended))
    for j, moment in enumerate(["2026-03-29T00:30:00Z", "2026-03-29T23:30:00Z", "2026-10-24T23:30:00Z",
                                "2026-10-25T23:30:00Z", "2090-07-01T23:30:00Z", "2090-07-02T03:30:00Z",
                                "1850-07-01T23:30:00Z", "2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z"]):  # fmt: skip
        for process in processes:
            rows.append(row(f"d{j}", moment, process=process, abandoned=True, ended_at=moment))
    assert same(text_of(rows))["ok"]
    python_rows.clear()
    copied(text_of(rows).encode())
    assert python_rows == []  # all of them on the COPY path


def test_the_python_reader_takes_only_the_lines_after_a_refused_record(alpha, python_rows, monkeypatch):
    monkeypatch.setattr(postgres_path, "_SLOW_LINES", 3)
    rows = [good(f"e{i}") for i in range(40)]
    rows[10]["customer_ref"] = " padded "
    rows[30]["arrived_at"] = "2026-10-01T09:00:00.1234567+05:30"
    rows[30]["answered_at"] = rows[30]["ended_at"] = ""
    rows[30]["agent"] = rows[30]["csat"] = ""
    assert same(text_of(rows))["ok"]
    python_rows.clear()
    copied(text_of(rows).encode())
    assert python_rows == [12, 13, 14, 32, 33, 34]


# --- CSV structure ----------------------------------------------------------------------------------------

STRUCTURES = {
    "blank line in the middle": "{h}\n{a}\n\n{b}\n",
    "trailing blank lines": "{h}\n{a}\n{b}\n\n\n",
    "blank line after the header": "{h}\n\n{a}\n",
    "line of spaces": "{h}\n{a}\n   \n{b}\n",
    "no final newline": "{h}\n{a}\n{b}",
    "final carriage return": "{h}\n{a}\n{b}\r",
    "CRLF": "{h}\r\n{a}\r\n{b}\r\n",
    "CRLF then LF": "{h}\r\n{a}\r\n{b}\n{c}\n",
    "mixed in a line run": "{h}\n{a}\r\n{b}\n{c}\r\n",
    "CR only": "{h}\r{a}\r{b}\r",
    "BOM": "\ufeff{h}\n{a}\n",
    "two BOMs": "\ufeff\ufeff{h}\n{a}\n",
    "header only": "{h}\n",
    "header only, no newline": "{h}",
    "empty file": "",
    "just a newline": "\n",
    "extra field": "{h}\n{a}\n{b},extra\n{c}\n",
    "missing field": "{h}\n{a}\n{short}\n{c}\n",
    "quote inside an unquoted field": "{h}\n{a}\n{b_with_quote}\n{c}\n",
    "text after a closing quote": "{h}\n{a}\n{b_after_quote}\n{c}\n",
    "unterminated quote": "{h}\n{a}\n{b_open_quote}\n{c}\n",
    "quoted header": '"external_id","process","arrived_at"\n1,ALPHA-VOICE,2026-10-01T09:00:00Z\n',
    "padded header": " external_id , process,arrived_at \n1,ALPHA-VOICE,2026-10-01T09:00:00Z\n",
    "duplicate header": "external_id,process,arrived_at,process\n1,ALPHA-VOICE,2026-10-01T09:00:00Z,x\n",
    "unknown header": "external_id,process,arrived_at,agentt\n1,ALPHA-VOICE,2026-10-01T09:00:00Z,A0001\n",
    "only required columns": "arrived_at,process,external_id\n2026-10-01T09:00:00Z,ALPHA-VOICE,1\n",
    "end-of-copy marker": "{h}\n{a}\n\\.\n{b}\n",
    "NUL-free control characters": "{h}\n{a_control}\n",
}


def _structure(template: str) -> str:
    a, b, c = (text_of([good(n)]).splitlines()[1] for n in ("a", "b", "c"))
    return template.format(
        h=HEADER,
        a=a,
        b=b,
        c=c,
        short=b.rsplit(",", 1)[0],
        b_with_quote=b.replace(",C1,", ',C"1,'),
        b_after_quote=b.replace(",C1,", ',"C"1,'),
        b_open_quote=b.replace(",C1,", ',"C1,'),
        a_control=text_of([good("a", disposition="bell\x07 and \x1b escape")]).splitlines()[1],
    )


@pytest.mark.parametrize("name", list(STRUCTURES))
def test_csv_structure_is_read_the_same(alpha, block, name):
    same(_structure(STRUCTURES[name]))


def test_a_record_longer_than_a_block_and_a_large_file(alpha, monkeypatch):
    monkeypatch.setattr(postgres_path, "_BLOCK", 4096)
    rows = [good(f"e{i}", disposition=("d" * 100 if i % 50 else "")) for i in range(600)]
    rows[300]["customer_ref"] = "multi\nline"
    rows[301]["csat"] = "9"
    data = text_of(rows).replace(rows[450]["external_id"] + ",", rows[450]["external_id"] + "," + " " * 5000, 1)
    same(data)


# --- what the COPY path does differently, on purpose --------------------------------------------------


def test_invalid_utf8_is_reported_on_its_own_line(alpha):
    lines = [HEADER] + text_of([good(f"e{i}") for i in range(5)]).splitlines()[1:]
    data = ("\n".join(lines[:4]) + "\n").encode() + lines[4].replace("C1", "caf\xe9").encode("latin-1") + b"\n"
    with pytest.raises(ImportFailed) as failed:
        import_csv(io.BytesIO(data), user=None)
    assert failed.value.report.error_lines() == ["line 5: the file is not valid UTF-8 (save it as CSV UTF-8)"]
    assert Interaction.objects.count() == 0


def test_a_nul_character_is_an_error_naming_its_line(alpha):
    """The reference path ends in an unhandled database error here; the COPY path reports it."""
    data = text_of([good("e1"), good("e2", disposition="nul\x00here"), good("e3")]).encode()
    with pytest.raises(ImportFailed) as failed:
        import_csv(io.BytesIO(data), user=None)
    [error] = failed.value.report.error_lines()
    assert error.startswith("line 3: invalid byte sequence")
    assert Interaction.objects.count() == 0


def test_a_copy_error_names_the_file_line_and_writes_nothing(alpha, monkeypatch):
    """Should COPY itself refuse a record the fast pattern let through, the error still names the
    line of the file."""
    monkeypatch.setattr(
        postgres_path._PostgresCsv, "_fast_prefix", lambda self, block: (len(block), block.count(b"\n"), b"\n")
    )
    data = text_of([good("e1"), good("e2"), good("e3", arrived_at="2026-02-30T09:00:00Z")]).encode()
    with pytest.raises(ImportFailed) as failed:
        import_csv(io.BytesIO(data), user=None)
    [error] = failed.value.report.error_lines()
    assert error.startswith("line 4: ") and "out of range" in error
    assert Interaction.objects.count() == 0


def test_offsets_no_zone_uses_are_refused_on_both_paths_and_the_extremes_stored_in_utc(alpha):
    refused = same(text_of([row("t", "2026-10-01T09:00:00+23:30", process="ALPHA-VOICE")]))
    assert not refused["ok"]
    assert same(text_of([row("t", "2026-10-01T09:00:00+14:00", process="ALPHA-VOICE")]))["ok"]
    import_csv(io.BytesIO(text_of([row("t", "2026-10-01T09:00:00+14:00", process="ALPHA-VOICE")]).encode()), user=None)
    stored = Interaction.objects.get()
    assert stored.arrived_at == datetime(2026, 9, 30, 19, 0, tzinfo=UTC)


# --- the rest of the contract ---------------------------------------------------------------------------


def test_reimport_updates_in_place_and_marks_the_old_day(alpha):
    first = text_of([good("e1"), good("e2")])
    moved = text_of(
        [
            good(
                "e1",
                arrived_at="2026-10-09T09:00:00+05:30",
                answered_at="2026-10-09T09:00:10+05:30",
                ended_at="2026-10-09T09:05:00+05:30",
            ),
            good("e3"),
        ]
    )
    report = import_csv(io.BytesIO(first.encode()), user=None, recompute=False)
    assert (report.created, report.updated) == (2, 0)
    ids = dict(Interaction.objects.values_list("external_id", "pk"))
    KpiMark.objects.all().delete()
    outcome = same(moved)
    assert outcome["report"][1:3] == (1, 1)
    report = import_csv(io.BytesIO(moved.encode()), user=None, recompute=False)
    assert Interaction.objects.get(external_id="e1").pk == ids["e1"]
    marked = {d.isoformat() for d in KpiMark.objects.values_list("local_date", flat=True)}
    assert {"2026-10-01", "2026-10-09"} <= marked


def test_progress_is_called_with_the_row_count(alpha):
    seen = []
    import_csv(io.BytesIO(text_of([good(f"e{i}") for i in range(3)]).encode()), user=None, progress=seen.append)
    assert seen[-1] == 3


def test_a_text_stream_uses_the_reference_path(alpha):
    report = import_csv(io.StringIO(text_of([good("e1")])), user=None)
    assert report.created == 1


# --- first loads: no index dropped, no lock that stops a reader (issue 14) -------------------------------


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'processes_interaction' ORDER BY 1"
        )
        return cursor.fetchall()


def _interaction_locks() -> set[str]:
    """The lock modes this session holds on the interaction table (held until the test's transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'processes_interaction'::regclass AND pid = pg_backend_pid()"
        )
        return {mode for (mode,) in cursor.fetchall()}


@pytest.fixture
def first_load(monkeypatch):
    """What `_processes_hold_no_rows` answered for each import (True: every row inserted unchecked)."""
    answers = []
    ask = writing._processes_hold_no_rows

    def spy(cursor, process_ids):
        answers.append(ask(cursor, process_ids))
        return answers[-1]

    monkeypatch.setattr(writing, "_processes_hold_no_rows", spy)
    return answers


def _repeats_file(ids, day="2026-10-01") -> str:
    """Contacts of a few customers minutes apart (repeats), some short abandons among them."""
    rows = []
    for n, external_id in enumerate(ids):
        arrived = datetime.fromisoformat(f"{day}T09:00:00+05:30") + timedelta(minutes=7 * n)
        if n % 5 == 3:
            data = good(external_id, agent="", answered_at="", talk_seconds="", csat="", abandoned="true")
            data["ended_at"] = (arrived + timedelta(seconds=3 + n)).isoformat()
        else:
            data = good(external_id, answered_at=(arrived + timedelta(seconds=10)).isoformat())
            data["ended_at"] = (arrived + timedelta(minutes=5)).isoformat()
        data["arrived_at"] = arrived.isoformat()
        data["customer_ref"] = f"C{n % 3}"
        data["process"] = "ALPHA-CHAT" if sum(map(ord, external_id)) % 4 == 0 else "ALPHA-VOICE"
        rows.append(data)
    return text_of(rows)


def test_a_first_load_keeps_the_indexes_and_takes_no_lock_that_stops_readers(alpha, bravo, first_load):
    """Another tenant's rows are stored; the first import of alpha's processes inserts every row
    unchecked, through the indexes, holding no lock on the table beyond ROW EXCLUSIVE."""
    import_csv(io.BytesIO(_one_bravo_row()), user=None, recompute=False)
    before = _indexes()
    data = _repeats_file([f"e{i}" for i in range(12)]).encode()
    expected = reference(data)
    first_load.clear()
    assert copied(data) == expected
    assert first_load == [True]
    assert expected["ok"] and expected["report"][1:3] == (12, 0)
    assert any(row["has_repeat"] for row in expected["interactions"])
    with transaction.atomic():
        import_csv(io.BytesIO(data), user=None, recompute=False)
        assert _interaction_locks() <= {"AccessShareLock", "RowExclusiveLock"}
        assert _indexes() == before


def _one_bravo_row() -> bytes:
    return text_of([good("b1", process="BRAVO-VOICE", agent="B0001")]).encode()


def test_an_import_into_processes_holding_rows_updates_moves_and_flags_them(alpha, first_load):
    import_csv(io.BytesIO(_repeats_file(["e1", "e2"], day="2026-09-30").encode()), user=None, recompute=False)
    assert first_load == [True]
    data = _repeats_file([f"e{i}" for i in range(8)]).encode()  # moves e1 and e2 to another day
    expected = reference(data)
    first_load.clear()
    assert copied(data) == expected
    assert first_load == [False]
    assert expected["report"][1:3] == (6, 2)
    assert {d.isoformat() for _, d in expected["marks"]} >= {"2026-09-30", "2026-10-01"}


def test_duplicates_in_a_first_load_are_listed_and_nothing_is_written(alpha, first_load):
    data = _repeats_file(["a", "b", "dup", "c", "dup", "d"]).encode()
    expected = reference(data)
    assert expected["report"][4] == ["line 6, column external_id: 'dup' already appears on line 4 for this process"]
    first_load.clear()
    assert copied(data) == expected
    assert first_load == [True]  # the unique key's INSERT found them
    assert not Interaction.objects.exists()


def test_an_import_does_not_wait_for_a_reader(alpha):
    """Another session holds ACCESS SHARE on the interaction table (what every read takes) until
    the import is over: the import needs no lock that conflicts with it."""
    import psycopg2

    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("LOCK TABLE processes_interaction IN ACCESS SHARE MODE")
            with transaction.atomic(), connection.cursor() as ours:
                ours.execute("SET LOCAL lock_timeout = '2s'")  # a conflicting lock would fail, not hang
                report = import_csv(io.BytesIO(_repeats_file([f"e{i}" for i in range(6)]).encode()), user=None)
    finally:
        other.rollback()
        other.close()
    assert report.created == 6


def test_a_user_who_does_not_own_the_table_imports(alpha):
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE bpo_bulk_importer")  # rolled back with the test
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO bpo_bulk_importer")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO bpo_bulk_importer")
        cursor.execute("GRANT CREATE, USAGE ON SCHEMA public TO bpo_bulk_importer")
        cursor.execute("SET ROLE bpo_bulk_importer")
        try:
            report = import_csv(io.BytesIO(_repeats_file([f"e{i}" for i in range(6)]).encode()), user=None)
        finally:
            cursor.execute("RESET ROLE")
    assert report.created == 6


# --- property: any mix of values gives the same outcome --------------------------------------------------

_pick = st.sampled_from


@st.composite
def files(draw):
    rows = []
    for i in range(draw(st.integers(1, 12))):
        data = good(draw(_pick([f"e{i}", f"e{i}", "dup", "", " pad "])))
        data["process"] = draw(_pick(["ALPHA-VOICE", "ALPHA-VOICE", "ALPHA-CHAT", "BRAVO-VOICE", "NOPE", ""]))
        data["agent"] = draw(_pick(["A0001", "A0001", "B0001", "", "ZZZ"]))
        data["channel"] = draw(_pick(["", "", "chat", "fax"]))
        data["direction"] = draw(_pick(["", "outbound", "up"]))
        data["customer_ref"] = draw(_pick(["C1", "", "a\tb", 'q"q', "n\nl", " s "]))
        data["answered_at"] = draw(_pick([data["answered_at"], "", "2026-10-01T08:00:00+05:30", "2026-10-01T09:00"]))
        data["ended_at"] = draw(_pick([data["ended_at"], "", "2026-10-01T09:00:05+05:30", "2026-02-30T09:00Z"]))
        data["talk_seconds"] = draw(_pick([200, "", "-1", "99999999999"]))
        data["abandoned"] = draw(_pick(["false", "", "true", "TRUE", "maybe"]))
        data["resolved"] = draw(_pick(["", "1", "no"]))
        data["csat"] = draw(_pick([5, "", "7"]))
        rows.append(data)
    return text_of(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=files())
def test_any_file_gives_the_same_outcome_on_both_paths(alpha, bravo, text):
    same(text)
