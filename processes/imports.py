"""The interaction import service (IMPORT_FORMAT.md), behind all three doors: the CSV upload
page, `manage.py import_interactions` and `POST /api/v1/interactions/bulk/`.

One pass streams the records: each is validated and, if valid, written straight into a staging
table (COPY on PostgreSQL, batched inserts on SQLite), so memory stays flat whatever the size.
Then, in the same transaction, the database checks for duplicate external ids, marks every
(process, local day) the import can change for KPI recomputation, and upserts all rows with one
set-based statement. Any error anywhere and nothing is written (all or nothing); re-importing
the same records updates them in place (idempotent).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from accounts.scoping import scope_q
from agents.models import Agent
from processes.models import Channel, Direction, Process
from reporting.marks import mark_days_for_import

COLUMNS = (
    "external_id",
    "process",
    "agent",
    "channel",
    "direction",
    "customer_ref",
    "arrived_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "abandoned",
    "resolved",
    "csat",
    "disposition",
)
REQUIRED_COLUMNS = ("external_id", "process", "arrived_at")
MAX_LISTED_ERRORS = 100
MAX_BULK_RECORDS = 10_000
MAX_SECONDS = 2_147_483_647
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRUE = {"true", "1"}
_FALSE = {"false", "0", ""}
_CHANNELS = set(Channel.values)
_DIRECTIONS = set(Direction.values)

# Staging columns, in the order rows are written; the interaction table has the same names.
STAGING_COLUMNS = (
    "line",
    "process_id",
    "client_id",
    "external_id",
    "agent_id",
    "team_id",
    "channel",
    "direction",
    "customer_ref",
    "arrived_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "abandoned",
    "resolved",
    "csat",
    "disposition",
    "local_date",
    "arrived_us",
    "wait_seconds",
    "duration_seconds",
)
_STAGING_TYPES = {
    "line": "integer",
    "process_id": "bigint",
    "client_id": "bigint",
    "external_id": "varchar(100)",
    "agent_id": "bigint",
    "team_id": "bigint",
    "channel": "varchar(16)",
    "direction": "varchar(8)",
    "customer_ref": "varchar(100)",
    "arrived_at": "timestamptz",
    "answered_at": "timestamptz",
    "ended_at": "timestamptz",
    "talk_seconds": "integer",
    "hold_seconds": "integer",
    "wrap_seconds": "integer",
    "abandoned": "boolean",
    "resolved": "boolean",
    "csat": "smallint",
    "disposition": "varchar(100)",
    "local_date": "date",
    "arrived_us": "bigint",
    "wait_seconds": "double precision",
    "duration_seconds": "double precision",
}


@dataclass(frozen=True, order=True)
class ImportError_:
    line: int
    column: str
    message: str

    def __str__(self):
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self):
        return {"line": self.line, "column": self.column or None, "message": self.message}


@dataclass
class ImportReport:
    """What an import did, or why it wrote nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list[ImportError_] = field(default_factory=list)
    marked_days: int = 0
    process_ids: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(ImportError_(line, column, message))

    def error_lines(self) -> list[str]:
        """The listed errors as text, plus a line with how many more there were."""
        lines = [str(e) for e in sorted(self.errors)]
        if self.error_count > len(self.errors):
            lines.append(f"… and {self.error_count - len(self.errors)} more errors")
        return lines


class ImportFailed(Exception):
    """Raised when an import wrote nothing because of errors; `report` lists them."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(f"{report.error_count} error(s); nothing was imported")


# --- validation ---------------------------------------------------------------------------------


def _parse_time(value: str) -> datetime | str:
    """An aware datetime, or an error message."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO-8601 timestamp (e.g. 2026-10-01T09:00:00+05:30)"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"{value!r} has no UTC offset: add one such as +05:30 or Z (naive timestamps are rejected)"
    return parsed


def _parse_seconds(value: str) -> int | str:
    if value == "":
        return 0
    if not value.isdigit():
        return f"{value!r} is not a whole number of seconds ≥ 0"
    number = int(value)
    if number > MAX_SECONDS:
        return f"{value} is too large"
    return number


class RowValidator:
    """Validates one record at a time against IMPORT_FORMAT.md and the caller's scope.

    Processes the caller may import into and their agents are loaded once (their number does not
    grow with the file). `user=None` means the command line, which may import into any process.
    """

    def __init__(self, user):
        processes = Process.objects.select_related("client")
        if user is not None:
            processes = processes.filter(scope_q(Process, user))
        self.processes = {p.code: p for p in processes}
        self.zones: dict[int, ZoneInfo] = {}
        self.agents: dict[str, tuple[int, int | None, frozenset[int]]] = {}
        staffing: dict[int, set[int]] = {}
        through = Agent.processes.through
        for agent_id, process_id in through.objects.values_list("agent_id", "process_id"):
            staffing.setdefault(agent_id, set()).add(process_id)
        for agent_id, code, team_id in Agent.objects.values_list("id", "code", "team_id"):
            self.agents[code] = (agent_id, team_id, frozenset(staffing.get(agent_id, ())))

    def zone(self, process: Process) -> ZoneInfo:
        zone = self.zones.get(process.pk)
        if zone is None:
            zone = self.zones[process.pk] = ZoneInfo(process.timezone)
        return zone

    def validate(self, line: int, get: Callable[[str], str], report: ImportReport) -> tuple | None:
        """The staging tuple for one record, or None after adding its errors to `report`."""
        before = report.error_count

        def error(column, message):
            report.add_error(line, column, message)

        external_id = get("external_id")
        if not external_id:
            error("external_id", "required")
        elif len(external_id) > 100:
            error("external_id", "longer than 100 characters")

        process = None
        process_code = get("process")
        if not process_code:
            error("process", "required")
        else:
            process = self.processes.get(process_code)
            if process is None:
                error("process", f"no process {process_code!r} that you may import into")

        channel = get("channel") or (process.channel if process else "")
        if channel and channel not in _CHANNELS:
            error("channel", f"{channel!r} is not one of {', '.join(sorted(_CHANNELS))}")
        direction = get("direction") or Direction.INBOUND
        if direction not in _DIRECTIONS:
            error("direction", f"{direction!r} is not inbound or outbound")

        customer_ref = get("customer_ref")
        if len(customer_ref) > 100:
            error("customer_ref", "longer than 100 characters")
        disposition = get("disposition")
        if len(disposition) > 100:
            error("disposition", "longer than 100 characters")

        arrived = answered = ended = None
        raw = get("arrived_at")
        if not raw:
            error("arrived_at", "required")
        else:
            arrived = _parse_time(raw)
            if isinstance(arrived, str):
                error("arrived_at", arrived)
                arrived = None
        raw = get("answered_at")
        if raw:
            answered = _parse_time(raw)
            if isinstance(answered, str):
                error("answered_at", answered)
                answered = None
            elif arrived is not None and answered < arrived:
                error("answered_at", "is before arrived_at")
        raw = get("ended_at")
        if raw:
            ended = _parse_time(raw)
            if isinstance(ended, str):
                error("ended_at", ended)
                ended = None
            elif answered is not None and ended < answered:
                error("ended_at", "is before answered_at")
            elif arrived is not None and ended < arrived:
                error("ended_at", "is before arrived_at")

        seconds = []
        for column in ("talk_seconds", "hold_seconds", "wrap_seconds"):
            value = _parse_seconds(get(column))
            if isinstance(value, str):
                error(column, value)
                value = 0
            seconds.append(value)

        abandoned_raw = get("abandoned").lower()
        abandoned = abandoned_raw in _TRUE
        if not abandoned and abandoned_raw not in _FALSE:
            error("abandoned", f"{abandoned_raw!r} is not true, false, 1 or 0")
        resolved_raw = get("resolved").lower()
        resolved = None
        if resolved_raw in _TRUE:
            resolved = True
        elif resolved_raw in ("false", "0"):
            resolved = False
        elif resolved_raw:
            error("resolved", f"{resolved_raw!r} is not true, false, 1, 0 or empty")

        csat = None
        raw = get("csat")
        if raw:
            if raw in ("1", "2", "3", "4", "5"):
                csat = int(raw)
                if not get("answered_at"):
                    error("csat", "only answered interactions can have a CSAT score")
            else:
                error("csat", f"{raw!r} is not a whole number from 1 to 5")

        agent_code = get("agent")
        agent_id = team_id = None
        if abandoned:
            if get("answered_at"):
                error("answered_at", "must be empty when abandoned")
            if agent_code:
                error("agent", "must be empty when abandoned")
            if not get("ended_at"):
                error("ended_at", "required when abandoned (when the customer left)")
        elif get("answered_at") and not agent_code:
            error("agent", "required when answered_at is set")
        if agent_code and not abandoned:
            agent = self.agents.get(agent_code)
            if agent is None:
                error("agent", f"no agent {agent_code!r}")
            else:
                agent_id, team_id, staffed = agent
                if process is not None and process.pk not in staffed:
                    error("agent", f"agent {agent_code} is not staffed on process {process.code}")

        if report.error_count != before:
            return None
        local_date = arrived.astimezone(self.zone(process)).date()
        arrived_us = (arrived - _EPOCH) // timedelta(microseconds=1)
        wait = (answered - arrived).total_seconds() if answered is not None else None
        duration = (ended - arrived).total_seconds() if ended is not None else None
        return (
            line,
            process.pk,
            process.client_id,
            external_id,
            agent_id,
            team_id,
            channel,
            direction,
            customer_ref,
            arrived.astimezone(UTC),
            answered.astimezone(UTC) if answered is not None else None,
            ended.astimezone(UTC) if ended is not None else None,
            seconds[0],
            seconds[1],
            seconds[2],
            abandoned,
            resolved,
            csat,
            disposition,
            local_date,
            arrived_us,
            wait,
            duration,
        )


# --- sources: CSV text and JSON records -----------------------------------------------------------


def _check_header(names: list[str], report: ImportReport, *, kind: str = "column") -> dict[str, int] | None:
    index = {}
    for position, name in enumerate(names):
        if name not in COLUMNS:
            report.add_error(1, name, f"unknown {kind} (expected some of: {', '.join(COLUMNS)})")
        elif name in index:
            report.add_error(1, name, f"{kind} appears twice")
        else:
            index[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in index:
            report.add_error(1, name, f"required {kind} missing")
    return None if report.error_count else index


def csv_rows(stream, report: ImportReport) -> Iterator[tuple[int, Callable[[str], str]]]:
    """(line number, getter) per data row of a CSV stream (bytes or text; UTF-8, BOM accepted).

    Header problems and malformed lines are reported; malformed lines are skipped.
    """
    is_text = isinstance(stream, io.TextIOBase)
    text = stream if is_text else codecs.getreader("utf-8-sig")(stream, errors="strict")
    reader = csv.reader(text, strict=True)
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            report.add_error(1, "", "the file is empty: the first line must be the header")
            return
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        index = _check_header([h.strip() for h in header], report)
        if index is None:
            return
        width = len(header)
        empty = ""
        for values in reader:
            line = reader.line_num
            if not values or values == [""]:
                continue
            if len(values) != width:
                report.add_error(line, "", f"expected {width} fields like the header, found {len(values)}")
                continue

            def get(name, _values=values):
                position = index.get(name)
                return empty if position is None else _values[position].strip()

            yield line, get
    except UnicodeDecodeError:
        report.add_error(line + 1, "", "the file is not valid UTF-8 (save it as CSV UTF-8)")
    except csv.Error as exc:
        report.add_error(reader.line_num or line, "", f"malformed CSV: {exc}")


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


def json_rows(records, report: ImportReport) -> Iterator[tuple[int, Callable[[str], str]]]:
    """(record number, getter) per JSON object; record numbers count from 1 and are reported
    as the "line" of an error."""
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
        values = {}
        for key, value in record.items():
            text = _json_text(value)
            if text is None:
                report.add_error(number, str(key), "must be a string, number, boolean or null")
                bad = True
            values[key] = text
        if bad:
            continue
        yield number, lambda name, _values=values: _values.get(name) or ""


# --- writing --------------------------------------------------------------------------------------


class _CopyStream(io.RawIOBase):
    """A read-only file over an iterator of text lines, for psycopg2's copy_expert."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        chunks = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            data = line.encode("utf-8")
            chunks.append(data)
            length += len(data)
            if size >= 0 and length >= size:
                break
        data = b"".join(chunks)
        if size < 0:
            self._buffer = b""
            return data
        self._buffer = data[size:]
        return data[:size]


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Staging:
    """The per-import staging table on one database backend."""

    name = "import_staging"

    def __init__(self, cursor):
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"

    def create(self):
        # Dropped at the end too; "IF EXISTS" covers an import nested in an outer transaction.
        self.drop()
        if self.postgres:
            columns = ", ".join(f"{c} {_STAGING_TYPES[c]}" for c in STAGING_COLUMNS)
            self.cursor.execute(f"CREATE TEMP TABLE {self.name} ({columns}) ON COMMIT DROP")
        else:
            self.cursor.execute(f"CREATE TEMP TABLE {self.name} ({', '.join(STAGING_COLUMNS)})")

    def load(self, rows: Iterator[tuple]) -> None:
        if self.postgres:
            lines = ("\t".join(map(_copy_text, row)) + "\n" for row in rows)
            raw = self.cursor.cursor  # psycopg2's own cursor, for COPY
            raw.copy_expert(f"COPY {self.name} ({', '.join(STAGING_COLUMNS)}) FROM STDIN", _CopyStream(lines))
        else:
            sql = f"INSERT INTO temp.{self.name} VALUES ({', '.join('?' * len(STAGING_COLUMNS))})"
            raw = self.cursor.cursor  # sqlite3's own cursor: '?' placeholders, no Django rewriting
            batch = []
            for row in rows:
                batch.append(_sqlite_row(row))
                if len(batch) >= 5000:
                    raw.executemany(sql, batch)
                    batch.clear()
            if batch:
                raw.executemany(sql, batch)
        self.cursor.execute(f"CREATE INDEX import_staging_key ON {self.name} (process_id, external_id)")

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {'' if self.postgres else 'temp.'}{self.name}")


def _sqlite_row(row: tuple) -> tuple:
    # Django stores datetimes on SQLite as naive UTC text, dates as ISO text, booleans as 0/1.
    return tuple(
        value.replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime)
        else value.isoformat()
        if isinstance(value, date)
        else value
        for value in row
    )


_UPDATE_COLUMNS = [c for c in STAGING_COLUMNS if c not in ("line", "process_id", "external_id")]


def _find_duplicates(cursor, report: ImportReport) -> None:
    cursor.execute(
        f"SELECT s.line, s.external_id, f.first_line FROM {_Staging.name} s JOIN ("
        f" SELECT process_id, external_id, MIN(line) AS first_line FROM {_Staging.name}"
        " GROUP BY process_id, external_id HAVING COUNT(*) > 1) f"
        " ON f.process_id = s.process_id AND f.external_id = s.external_id"
        " WHERE s.line > f.first_line ORDER BY s.line"
    )
    for line, external_id, first_line in cursor.fetchall():
        report.add_error(line, "external_id", f"{external_id!r} already appears on line {first_line} for this process")


def _upsert(cursor, now: datetime) -> tuple[int, int]:
    """Insert new rows and update existing ones in one statement; returns (created, updated)."""
    staging = _Staging.name
    cursor.execute(
        f"SELECT COUNT(*) FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id"
    )
    updated = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM {staging}")
    total = cursor.fetchone()[0]
    columns = [c for c in STAGING_COLUMNS if c != "line"]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in _UPDATE_COLUMNS + ["imported_at"])
    cursor.execute(
        f"INSERT INTO processes_interaction ({', '.join(columns)}, imported_at)"
        f" SELECT {', '.join(columns)}, %s FROM {staging} WHERE true"
        f" ON CONFLICT (process_id, external_id) DO UPDATE SET {assignments}",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    return total - updated, updated


def import_interactions(
    rows: Iterable[tuple[int, Callable[[str], str]]],
    *,
    user,
    report: ImportReport | None = None,
    progress: Callable[[int], None] | None = None,
    recompute: bool = True,
) -> ImportReport:
    """Validate and import records (from `csv_rows` or `json_rows`), all or nothing.

    `user` is the caller (None for the command line); rows for processes outside their scope are
    errors. Raises ImportFailed (nothing written) if any record is invalid. On success the
    affected (process, day) pairs are marked in the same transaction and, after commit, the KPI
    recompute is queued (run in-process in the embedded default).
    """
    report = report or ImportReport()
    validator = RowValidator(user)
    now = timezone.now()

    def valid_rows():
        for line, get in rows:
            report.rows += 1
            row = validator.validate(line, get, report)
            if row is not None:
                yield row
            if progress is not None and report.rows % 50_000 == 0:
                progress(report.rows)

    with transaction.atomic(), connection.cursor() as cursor:
        staging = _Staging(cursor)
        staging.create()  # rolled back with everything else if anything below raises
        staging.load(valid_rows())
        if report.error_count:
            raise ImportFailed(report)
        _find_duplicates(cursor, report)
        if report.error_count:
            raise ImportFailed(report)
        report.process_ids, report.marked_days = mark_days_for_import(cursor, staging.name, now)
        report.created, report.updated = _upsert(cursor, now)
        staging.drop()
    if progress is not None:
        progress(report.rows)
    if recompute and report.process_ids:
        from reporting.tasks import recompute_marked_kpis

        process_ids = sorted(report.process_ids)
        transaction.on_commit(lambda: recompute_marked_kpis.delay(process_ids=process_ids))
    return report


def import_csv(stream, *, user, progress=None) -> ImportReport:
    """Import one CSV file (bytes or text stream), all or nothing."""
    report = ImportReport()
    return import_interactions(csv_rows(stream, report), user=user, report=report, progress=progress)


def import_records(records, *, user) -> ImportReport:
    """Import a JSON array of records (the bulk API), all or nothing."""
    report = ImportReport()
    return import_interactions(json_rows(records, report), user=user, report=report)
