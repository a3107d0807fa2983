"""The import's rules are declared once (processes/imports/rules.py) and both checks are generated
from them: the Python one (python_path.check_record) and the set-based SQL one of the COPY path
(postgres_path.sql_checks / sql_conditions). These tests fail when a rule has one form and not
the other, and when the two forms disagree on a row.

The crafted table below gives, for each row, the errors the format says it has. On every database
the Python path must list exactly those; on PostgreSQL each condition of each rule, rendered as
SQL over the raw table COPY filled, must also be true on exactly the rows where its Python form
is, and the SQL messages and validity test must give the same answers row by row.
"""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection, transaction

from processes.imports import (
    ImportFailed,
    ImportReport,
    RowValidator,
    csv_rows,
    import_csv,
    import_interactions,
    postgres_path,
    python_path,
)
from processes.imports.conditions import Invalid, Longer
from processes.imports.postgres_path import _FAST_TYPED, _PostgresCsv, sql_checks, sql_conditions
from processes.imports.python_path import check_record_source
from processes.imports.rules import CHECKS, COLUMNS, TYPED, check
from tests.conftest import require
from tests.kpi_helpers import csv_text, good_row

ALTERNATIVES = [(rule.column, condition, template) for rule in CHECKS for condition, template in rule.alternatives]


def _names(header) -> dict[str, str]:
    loader = _PostgresCsv.__new__(_PostgresCsv)
    loader.names = list(header)
    return loader._names()


# --- every rule in both forms ----------------------------------------------------------------------


def test_every_alternative_has_a_python_form_and_an_sql_form_or_cannot_reach_sql():
    names = _names(COLUMNS)
    typed = {field.name for field in TYPED}
    for column, condition, _ in ALTERNATIVES:
        assert isinstance(condition.python(), str) and condition.python()
        sql = condition.sql(names, typed)
        if sql is None:
            # Only a value that does not read has no SQL form, and the COPY path's byte pattern
            # for its field is what keeps such a value out of SQL.
            assert isinstance(condition, Invalid), (column, condition)
            assert condition.name in _FAST_TYPED, (column, condition)
        else:
            assert isinstance(sql, str) and sql


def test_every_typed_field_has_a_fast_pattern_and_a_check_that_its_value_reads():
    invalid = {condition.name for _, condition, _ in ALTERNATIVES if isinstance(condition, Invalid)}
    assert set(_FAST_TYPED) == {field.name for field in TYPED} == invalid


@pytest.mark.parametrize("header", [COLUMNS, tuple(c for c in COLUMNS if c != "agent")], ids=["all", "no-agent"])
def test_the_generated_checks_have_one_branch_per_alternative(header):
    source = check_record_source()
    assert source.count("problems.append(") == len(ALTERNATIVES)
    names = _names(header)
    with_sql = [a for a in ALTERNATIVES if not isinstance(a[1], Invalid)]
    checks = sql_checks(names)
    assert sum(case.count(" WHEN ") for _, _, case in checks) == len(with_sql)
    assert [(column, n) for n, column, _ in checks] == [
        (rule.column, n)
        for n, rule in enumerate(CHECKS, 1)
        if any(not isinstance(condition, Invalid) for condition, _ in rule.alternatives)
    ]
    assert len(sql_conditions(names)) == len(with_sql)
    loader = _PostgresCsv.__new__(_PostgresCsv)
    loader.names = list(header)
    assert loader._rules() == checks
    assert loader._valid().count(" IS NOT TRUE") == len(with_sql)


def test_a_rule_added_to_the_declarations_appears_in_both_forms(monkeypatch):
    extra = check("customer_ref", (Longer("customer_ref", 7), "longer than 7 characters"))
    monkeypatch.setattr(python_path, "CHECKS", (*CHECKS, extra))
    monkeypatch.setattr(postgres_path, "CHECKS", (*CHECKS, extra))
    assert "len(customer_ref) > 7:" in check_record_source()
    order, column, case = sql_checks(_names(COLUMNS))[-1]
    assert (order, column) == (len(CHECKS) + 1, "customer_ref")
    assert "length(r.customer_ref) > 7" in case and "'longer than 7 characters'" in case


def test_no_message_of_the_rules_is_written_again_in_the_paths():
    sources = [Path(module.__file__).read_text(encoding="utf-8") for module in (python_path, postgres_path)]
    for _, _, template in ALTERNATIVES:
        if template is not None and len(template) > 12:
            fixed = max(template.replace("{", "}").split("}"), key=len)  # the longest literal part
            assert all(fixed not in source for source in sources), template


# --- the crafted table ------------------------------------------------------------------------------

LONG = "longer than 100 characters"
FULL = COLUMNS
NO_AGENT = tuple(c for c in COLUMNS if c != "agent")


def good(external_id, changes):
    data = good_row(external_id)
    data.update(changes)  # may change the external id too
    return data


# (changes to a valid row, the errors the row has): every row passes the COPY path's byte patterns.
TABLE = [
    ({}, []),
    ({"external_id": ""}, [("external_id", "required")]),
    ({"external_id": "x" * 101}, [("external_id", LONG)]),
    ({"external_id": "é" * 100}, []),
    ({"external_id": "é" * 101}, [("external_id", LONG)]),
    ({"process": ""}, [("process", "required")]),
    ({"process": "NO'PE"}, [("process", "no process 'NO'PE' that you may import into")]),
    ({"process": "50%s"}, [("process", "no process '50%s' that you may import into")]),
    ({"process": "ALPHA-CHAT"}, []),
    ({"channel": "fax"}, [("channel", "'fax' is not one of backoffice, chat, email, voice")]),
    ({"channel": "Voice"}, [("channel", "'Voice' is not one of backoffice, chat, email, voice")]),
    ({"channel": "chat"}, []),
    ({"direction": "sideways"}, [("direction", "'sideways' is not inbound or outbound")]),
    ({"direction": "outbound"}, []),
    ({"customer_ref": "c" * 101}, [("customer_ref", LONG)]),
    ({"customer_ref": "ç" * 100}, []),
    ({"disposition": "d" * 101}, [("disposition", LONG)]),
    ({"arrived_at": ""}, [("arrived_at", "required")]),
    ({"answered_at": "2026-10-01T08:59:59+05:30"}, [("answered_at", "is before arrived_at")]),
    ({"answered_at": "2026-10-01T03:30:00Z"}, []),
    ({"ended_at": "2026-10-01T09:00:05+05:30"}, [("ended_at", "is before answered_at")]),
    ({"ended_at": "2026-10-01T08:00:00+05:30"}, [("ended_at", "is before answered_at")]),
    ({"answered_at": "", "csat": "", "ended_at": "2026-10-01T08:00:00+05:30"}, [("ended_at", "is before arrived_at")]),
    ({"answered_at": ""}, [("csat", "only answered interactions can have a CSAT score")]),
    ({"talk_seconds": "999999999", "hold_seconds": "0", "resolved": "false", "csat": ""}, []),
    (
        {"abandoned": "true"},
        [("answered_at", "must be empty when abandoned"), ("agent", "must be empty when abandoned")],
    ),
    (
        {"abandoned": "1", "answered_at": "", "agent": "B0001"},
        [("csat", "only answered interactions can have a CSAT score"), ("agent", "must be empty when abandoned")],
    ),
    (
        {"abandoned": "true", "answered_at": "", "agent": "", "ended_at": "", "csat": ""},
        [("ended_at", "required when abandoned (when the customer left)")],
    ),
    ({"abandoned": "TRUE", "answered_at": "", "agent": "", "csat": ""}, []),
    ({"abandoned": "False"}, []),
    ({"agent": ""}, [("agent", "required when answered_at is set")]),
    ({"agent": "", "answered_at": "", "csat": ""}, []),
    ({"agent": "ZZZ"}, [("agent", "no agent 'ZZZ'")]),
    ({"agent": 'Z"Z'}, [("agent", "no agent 'Z\"Z'")]),
    ({"agent": "%s%%"}, [("agent", "no agent '%s%%'")]),
    ({"agent": "B0001"}, [("agent", "agent B0001 is not staffed on process ALPHA-VOICE")]),
    ({"agent": "B0001", "process": "NOPE"}, [("process", "no process 'NOPE' that you may import into")]),
    (
        {"process": "NOPE", "channel": "fax", "direction": "up", "agent": "ZZZ"},
        [
            ("process", "no process 'NOPE' that you may import into"),
            ("channel", "'fax' is not one of backoffice, chat, email, voice"),
            ("direction", "'up' is not inbound or outbound"),
            ("agent", "no agent 'ZZZ'"),
        ],
    ),
]
# The same rules when the file has no agent column (its value is then empty).
TABLE_NO_AGENT = [
    ({}, [("agent", "required when answered_at is set")]),
    ({"answered_at": "", "csat": ""}, []),
    ({"abandoned": "true", "answered_at": "", "csat": ""}, []),
    (
        {"abandoned": "true", "answered_at": "", "csat": "", "ended_at": ""},
        [("ended_at", "required when abandoned (when the customer left)")],
    ),
]
TABLES = {"all": (FULL, TABLE), "no-agent": (NO_AGENT, TABLE_NO_AGENT)}


def _file(header, table) -> tuple[bytes, list[dict[str, str]]]:
    rows = [
        {c: str(v) for c, v in good(f"row-{n}", changes).items() if c in header} for n, (changes, _) in enumerate(table)
    ]
    return csv_text(rows, header).encode(), rows


def _expected(table) -> list[str]:
    return [
        f"line {n}, column {column}: {message}" for n, (_, errors) in enumerate(table, 2) for column, message in errors
    ]


class _RolledBack(Exception):
    pass


def _errors(run) -> list[str]:
    try:
        with transaction.atomic():
            try:
                report = run()
            except ImportFailed as failed:
                report = failed.report
            errors = [str(error) for error in report.errors]
            raise _RolledBack
    except _RolledBack:
        pass
    return errors


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES, ids=list(TABLES))
def test_the_python_checks_give_the_tables_errors(alpha, bravo, table):
    header, rows = TABLES[table]
    data, _ = _file(header, rows)

    def run():
        report = ImportReport()
        return import_interactions(csv_rows(io.BytesIO(data), report), user=None, report=report, recompute=False)

    assert _errors(run) == _expected(rows)


def _python_truths(values: dict[str, str], validator: RowValidator) -> list[bool]:
    """Each alternative's condition on one record, in Python (the names of conditions.py)."""
    names = {"datetime": datetime, **values}
    for field in TYPED:
        text = values[field.name]
        names[f"{field.name}_value"] = field.kind.read(text) if text else field.kind.empty
    names["process_found"] = validator.processes.get(values["process"])
    names["agent_found"] = validator.agents.get(values["agent"]) if values["agent"] else None
    return [bool(eval(condition.python(), names)) for _, condition, _ in ALTERNATIVES]  # noqa: S307 - rules.py only


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES, ids=list(TABLES))
def test_on_postgresql_each_condition_and_message_agrees_row_by_row(alpha, bravo, table):
    require(connection.vendor == "postgresql", "the SQL checks run on PostgreSQL")
    header, crafted = TABLES[table]
    data, rows = _file(header, crafted)
    validator = RowValidator(None, naive_utc_text=False)
    with_sql = [n for n, (_, condition, _) in enumerate(ALTERNATIVES) if not isinstance(condition, Invalid)]
    seen_true: set[int] = set()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            loader = _PostgresCsv(io.BytesIO(data), cursor, user=None, report=ImportReport(), progress=None)
            with contextlib.suppress(ImportFailed):
                loader.load()
            assert loader.raw_rows == len(rows)  # every row was checked in SQL, none in Python
            names = loader._names()
            conditions = [ALTERNATIVES[n][1].sql(names, {f.name for f in TYPED}) for n in with_sql]
            checks = loader._rules()
            cursor.execute(
                f"SELECT r.line, ({loader._valid()}) IS TRUE, {', '.join(f'({c}) IS TRUE' for c in conditions)},"
                f" {', '.join(case for _, _, case in checks)} FROM {loader._from()} ORDER BY r.line"
            )
            found = cursor.fetchall()
            raise _RolledBack
    except _RolledBack:
        pass
    assert [line for line, *_ in found] == list(range(2, len(rows) + 2))
    for (line, valid, *rest), values, (_, expected) in zip(found, rows, crafted, strict=True):
        record = {c: values.get(c, "").strip() for c in COLUMNS}
        truths = _python_truths(record, validator)
        assert not any(truths[n] for n, (_, c, _) in enumerate(ALTERNATIVES) if isinstance(c, Invalid)), line
        sql_truths = rest[: len(with_sql)]
        assert sql_truths == [truths[n] for n in with_sql], (line, record)
        seen_true.update(n for n, truth in zip(with_sql, sql_truths, strict=True) if truth)
        messages = [
            (column, message) for (_, column, _), message in zip(checks, rest[len(with_sql) :], strict=True) if message
        ]
        process = validator.processes.get(record["process"])
        agent = validator.agents.get(record["agent"]) if record["agent"] else None
        problems, _ = python_path.check_record(*(record[c] for c in COLUMNS), process, agent)
        assert messages == problems == expected, line
        assert valid == (not problems), line
    if table == "all":  # the table makes every condition true somewhere
        assert seen_true == set(with_sql), [ALTERNATIVES[n] for n in set(with_sql) - seen_true]

    assert _errors(lambda: import_csv(io.BytesIO(data), user=None, recompute=False)) == _expected(crafted)
