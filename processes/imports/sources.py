"""The records of an interaction import, from its two kinds of source: CSV text (through the one
CSV reader) and the bulk API's JSON array. Both give (line or record number, the 16 values in
COLUMNS order, stripped strings) and report what they cannot read on the same ImportReport."""

from __future__ import annotations

from collections.abc import Iterator

from processes.imports.csv_reader import csv_records
from processes.imports.report import ImportReport
from processes.imports.rules import COLUMNS, REQUIRED_COLUMNS

MAX_BULK_RECORDS = 10_000


def csv_rows(stream, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(line number, the 16 values in COLUMNS order) per data row of a CSV stream (bytes or
    text; UTF-8, BOM accepted). Header problems and malformed lines are reported; malformed lines
    are skipped."""
    return csv_records(stream, report, columns=COLUMNS, required=REQUIRED_COLUMNS)


def _json_text(value) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def json_rows(records, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(record number, the 16 values in COLUMNS order) per JSON object; record numbers count
    from 1 and are reported as the "line" of an error."""
    if not isinstance(records, list):
        report.add_error(1, "", "expected a JSON array of interaction objects")
        return
    if len(records) > MAX_BULK_RECORDS:
        report.add_error(1, "", f"{len(records)} records: at most {MAX_BULK_RECORDS:,} per request")
        return
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            report.add_error(number, "", "each record must be a JSON object")
            continue
        bad = False
        for key in record:
            if key not in COLUMNS:
                report.add_error(number, str(key), f"unknown field (expected some of: {', '.join(COLUMNS)})")
                bad = True
        values = []
        for name in COLUMNS:
            text = _json_text(record.get(name))
            if text is None:
                report.add_error(number, name, "must be a string, number, boolean or null")
                bad = True
            values.append(text)
        if not bad:
            yield number, values
