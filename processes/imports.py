"""The interaction import service (IMPORT_FORMAT.md), behind all three doors: the CSV upload
page, `manage.py import_interactions` and `POST /api/v1/interactions/bulk/`.

One pass streams the records: each is validated and, if valid, written straight into a staging
table (COPY on PostgreSQL, batched inserts on SQLite), so memory stays flat whatever the size.
On PostgreSQL a CSV file mostly bypasses Python: COPY reads it into a temp table and the rules
are checked set-based in SQL, with RowValidator as the reference (see `_PostgresCsv`). Then, in
the same transaction, the database checks for duplicate external ids, marks every (process,
local day) the import can change for KPI recomputation, and upserts all rows set-based. Any
error anywhere and nothing is written (all or nothing); re-importing the same records updates
them in place (idempotent).
"""

from __future__ import annotations

import codecs
import csv
import heapq
import io
import itertools
import operator
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.permissions import has_capability
from accounts.scoping import scope_q
from agents.models import Agent
from bpo_portal.parsing import MAX_UTC_OFFSET as _MAX_OFFSET
from bpo_portal.parsing import MIN_UTC_OFFSET as _MIN_OFFSET
from bpo_portal.parsing import offset_problem
from processes.models import Channel, Direction, Process
from reporting.marks import (
    evaluate_repeat_flags_for_import,
    flags_join,
    mark_days_for_import,
    refresh_repeat_flags_for_import,
)

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
_MICROSECOND = timedelta(microseconds=1)
_PG_OFFSET_LIMIT = timedelta(hours=16)
_CSAT = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
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
    # Per process, the local days the import changed (see `_record_changes`), for the result page,
    # the command line and the API: [{"process", "timezone", "rows", "days", "first", "last",
    # "ranges": [[start, end], ...], "more_ranges"}], ISO dates, ordered by process code.
    changes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def change_lines(self) -> list[str]:
        """The changed days as text, one line per process (the command line prints these)."""
        lines = []
        for change in self.changes:
            spans = ", ".join(start if start == end else f"{start} to {end}" for start, end in change["ranges"])
            if change["more_ranges"]:
                spans += f" and {change['more_ranges']} more range(s)"
            lines.append(
                f"{change['process']}: {change['rows']:,} row(s); {change['days']} local day(s) changed "
                f"({change['timezone']}): {spans}"
            )
        return lines

    def day_ranges(self) -> list[dict]:
        """The changed days as ranges of consecutive local days, for the bulk API's answer."""
        return [
            {"process": c["process"], "timezone": c["timezone"], "start": start, "end": end}
            for c in self.changes
            for start, end in c["ranges"]
        ]

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
        return f"'{value}' is not an ISO-8601 timestamp (e.g. 2026-10-01T09:00:00+05:30)"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"'{value}' has no UTC offset: add one such as +05:30 or Z (naive timestamps are rejected)"
    problem = offset_problem(parsed)
    if problem:
        return f"'{value}': {problem}"
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        # Beyond these, converting to UTC or to a local day can leave the calendar.
        return f"'{value}' is outside the years {_FIRST_YEAR}–{_LAST_YEAR}"
    return parsed


_FIRST_YEAR, _LAST_YEAR = 1000, 2999  # as written; the COPY path's pattern takes the same years


def importable_processes(user):
    """The processes `user` may import into: every process for the command line (None); for a
    user, the processes in their scope if their role may import interactions (ROLES.md), none
    otherwise, so every row of theirs is an error whichever door it comes through."""
    processes = Process.objects.all()
    if user is None:
        return processes
    if not has_capability(user, "interactions.import"):
        return processes.none()
    return processes.filter(scope_q(Process, user))


def nameable_agents(user):
    """The agents a row of `user`'s may name: those in their scope (an agent they may not see is
    reported as unknown, like a process: existence is not revealed); all for the command line."""
    agents = Agent.objects.all()
    return agents if user is None else agents.filter(scope_q(Agent, user))


def _parse_seconds(value: str) -> int | str:
    if value == "":
        return 0
    if not value.isdigit():
        return f"'{value}' is not a whole number of seconds ≥ 0"
    number = int(value)
    if number > MAX_SECONDS:
        return f"{value} is too large"
    return number


_fromisoformat = datetime.fromisoformat
# The timestamps whose text `RowValidator._text` gives back unchanged (PostgreSQL; for SQLite,
# with +00:00, the same text with a space for the 'T' and without the offset).
_CANONICAL_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?[+-][0-9]{2}:[0-5][0-9]"
)
# Booleans the fast path takes as they are (anything else, e.g. "TRUE", goes the detailed way).
_FAST_BOOLEANS = {"true": True, "1": True, "false": False, "0": False, "": False}
_DAY_US = 86_400_000_000


def _local_day(moment: datetime, moment_us: int, zone: ZoneInfo, cache: list) -> str:
    """The local date (ISO) of `moment` in `zone`, as `moment.astimezone(zone).date()`; when the
    zone's offset is the same all that local day, `cache` becomes [first, end, date] with the day's
    span in microseconds since the epoch (UTC), for the next records of that day."""
    local = moment.astimezone(zone)
    day = local.date().isoformat()
    offset = local.utcoffset()
    try:
        start = datetime.combine(local.date(), datetime.min.time(), UTC) - offset
        last = start + timedelta(days=1) - _MICROSECOND
        # The zone database has no offset that changes and changes back within a day.
        if start.astimezone(zone).utcoffset() == offset and last.astimezone(zone).utcoffset() == offset:
            cache[0] = (start - _EPOCH) // _MICROSECOND
            cache[1] = cache[0] + _DAY_US
            cache[2] = day
    except OverflowError:  # the first or last representable day: not cached
        pass
    return day


class RowValidator:
    """Validates one record at a time against IMPORT_FORMAT.md and the caller's scope.

    Processes the caller may import into and their agents are loaded once (their number does not
    grow with the file). `user=None` means the command line, which may import into any process.
    Timestamps come out as text in the form the staging table takes: ISO with offset for
    PostgreSQL, naive UTC for SQLite (how Django stores datetimes there).
    """

    def __init__(self, user, *, naive_utc_text: bool):
        processes = importable_processes(user).select_related("client")
        self.processes = {p.code: (p, ZoneInfo(p.timezone)) for p in processes}
        # For the fast path: ids, default channel, zone, and the cache of `_local_day`.
        self.fast_processes = {
            code: (p.id, p.client_id, p.channel, zone, [0, 0, ""]) for code, (p, zone) in self.processes.items()
        }
        self.naive_utc_text = naive_utc_text
        self.agents: dict[str, tuple[int, int | None, frozenset[int]]] = {}
        staffing: dict[int, set[int]] = {}
        through = Agent.processes.through
        for agent_id, process_id in through.objects.values_list("agent_id", "process_id"):
            staffing.setdefault(agent_id, set()).add(process_id)
        for agent_id, code, team_id in nameable_agents(user).values_list("id", "code", "team_id"):
            self.agents[code] = (agent_id, team_id, frozenset(staffing.get(agent_id, ())))

    def _text(self, moment: datetime) -> str:
        if self.naive_utc_text:
            return moment.astimezone(UTC).isoformat(" ")[:-6]  # without its "+00:00"
        if abs(moment.utcoffset()) >= _PG_OFFSET_LIMIT:  # PostgreSQL reads offsets up to ±15:59:59
            moment = moment.astimezone(UTC)
        return moment.isoformat()

    def validate(self, line: int, values: list[str], report: ImportReport) -> tuple | None:
        """The staging tuple for one record (16 stripped strings in COLUMNS order), or None after
        adding its errors to `report`.

        The common, well-formed record takes a fast path: the same checks in the same order, but
        returning as soon as anything is unusual to `_validate_detailed` (the reference, which
        gives every message), with the slow datetime work replaced by equivalent shortcuts: the
        timestamp text taken from the input when it already has the output's form, and the local
        day from a per-process cache of the UTC span of the last local day seen (days without an
        offset change only). Its output equals `_validate_detailed`'s for every record it takes
        (tests/test_imports.py compares them).
        """
        (
            external_id,
            process_code,
            agent_code,
            channel,
            direction,
            customer_ref,
            arrived_raw,
            answered_raw,
            ended_raw,
            talk_raw,
            hold_raw,
            wrap_raw,
            abandoned_raw,
            resolved_raw,
            csat_raw,
            disposition,
        ) = values
        found = self.fast_processes.get(process_code)
        if (
            found is None
            or not process_code
            or not external_id
            or len(external_id) > 100
            or len(customer_ref) > 100
            or len(disposition) > 100
            or not arrived_raw
        ):
            return self._validate_detailed(line, values, report)
        process_id, client_id, default_channel, zone, day_cache = found
        if not channel:
            channel = default_channel
        if (channel and channel not in _CHANNELS) or (direction and direction not in _DIRECTIONS):
            return self._validate_detailed(line, values, report)
        if not direction:
            direction = "inbound"
        try:
            arrived = _fromisoformat(arrived_raw)
            answered = _fromisoformat(answered_raw) if answered_raw else None
            ended = _fromisoformat(ended_raw) if ended_raw else None
        except ValueError:
            return self._validate_detailed(line, values, report)
        # fromisoformat gives a fixed-offset tzinfo or none: no tzinfo is the only "naive" case.
        if (
            arrived.tzinfo is None
            or not _FIRST_YEAR <= arrived.year <= _LAST_YEAR
            or (answered is not None and not _FIRST_YEAR <= answered.year <= _LAST_YEAR)
            or (ended is not None and not _FIRST_YEAR <= ended.year <= _LAST_YEAR)
            or (answered is not None and (answered.tzinfo is None or answered < arrived))
            or (
                ended is not None
                and (ended.tzinfo is None or (answered is not None and ended < answered) or ended < arrived)
            )
        ):
            return self._validate_detailed(line, values, report)
        # Offsets no zone uses (bpo_portal.parsing: −12:00 … +14:00) get their message there.
        if (
            not _MIN_OFFSET <= arrived.utcoffset() <= _MAX_OFFSET
            or (answered is not None and not _MIN_OFFSET <= answered.utcoffset() <= _MAX_OFFSET)
            or (ended is not None and not _MIN_OFFSET <= ended.utcoffset() <= _MAX_OFFSET)
        ):
            return self._validate_detailed(line, values, report)
        if talk_raw == "":
            talk = 0
        elif talk_raw.isdigit() and len(talk_raw) < 10:  # < 10 digits: at most MAX_SECONDS
            talk = int(talk_raw)
        else:
            return self._validate_detailed(line, values, report)
        if hold_raw == "":
            hold = 0
        elif hold_raw.isdigit() and len(hold_raw) < 10:
            hold = int(hold_raw)
        else:
            return self._validate_detailed(line, values, report)
        if wrap_raw == "":
            wrap = 0
        elif wrap_raw.isdigit() and len(wrap_raw) < 10:
            wrap = int(wrap_raw)
        else:
            return self._validate_detailed(line, values, report)
        abandoned = _FAST_BOOLEANS.get(abandoned_raw, _FAST_BOOLEANS)
        resolved = _FAST_BOOLEANS.get(resolved_raw, _FAST_BOOLEANS) if resolved_raw else None
        if abandoned is _FAST_BOOLEANS or resolved is _FAST_BOOLEANS:
            return self._validate_detailed(line, values, report)
        csat = None
        if csat_raw:
            csat = _CSAT.get(csat_raw)
            if csat is None or not answered_raw:
                return self._validate_detailed(line, values, report)
        agent_id = team_id = None
        if abandoned:
            if answered_raw or agent_code or not ended_raw:
                return self._validate_detailed(line, values, report)
        elif agent_code:
            agent = self.agents.get(agent_code)
            if agent is None or process_id not in agent[2]:
                return self._validate_detailed(line, values, report)
            agent_id, team_id = agent[0], agent[1]
        elif answered_raw:
            return self._validate_detailed(line, values, report)

        text = self._fast_text
        arrived_us = (arrived - _EPOCH) // _MICROSECOND
        if day_cache[0] <= arrived_us < day_cache[1]:
            local_date = day_cache[2]
        else:
            local_date = _local_day(arrived, arrived_us, zone, day_cache)
        return (
            line,
            process_id,
            client_id,
            external_id,
            agent_id,
            team_id,
            channel,
            direction,
            customer_ref,
            text(arrived_raw, arrived),
            None if answered is None else text(answered_raw, answered),
            None if ended is None else text(ended_raw, ended),
            talk,
            hold,
            wrap,
            abandoned,
            resolved,
            csat,
            disposition,
            local_date,
            arrived_us,
            None if answered is None else (answered - arrived).total_seconds(),
            None if ended is None else (ended - arrived).total_seconds(),
        )

    def _fast_text(self, raw: str, moment: datetime) -> str:
        """`_text(moment)`, taken from `raw` when it already has that form: ISO with a 'T', seconds,
        no or six fraction digits (not all zero) and a ±HH:MM offset."""
        if self.naive_utc_text:
            # The common case first, by position: "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" (fromisoformat
            # read it, so the other characters are digits); otherwise by the pattern.
            size = len(raw)
            if (
                raw.endswith("+00:00")
                and (size == 25 or (size == 32 and raw[19] == "." and moment.microsecond))
                and raw[4] == raw[7] == "-"
                and raw[10] == "T"
                and raw[13] == raw[16] == ":"
            ):
                return f"{raw[:10]} {raw[11:-6]}"
        elif (
            _CANONICAL_TIME.fullmatch(raw) is not None
            and (len(raw) == 25 or moment.microsecond)
            and raw[-5:-3] < "16"
            and not raw.endswith("-00:00")
        ):
            return raw
        return self._text(moment)

    def _validate_detailed(self, line: int, values: list[str], report: ImportReport) -> tuple | None:
        """`validate`, field by field, with every error message: the reference."""
        (
            external_id,
            process_code,
            agent_code,
            channel,
            direction,
            customer_ref,
            arrived_raw,
            answered_raw,
            ended_raw,
            talk_raw,
            hold_raw,
            wrap_raw,
            abandoned_raw,
            resolved_raw,
            csat_raw,
            disposition,
        ) = values
        errors = []

        if not external_id:
            errors.append(("external_id", "required"))
        elif len(external_id) > 100:
            errors.append(("external_id", "longer than 100 characters"))

        process = zone = None
        if not process_code:
            errors.append(("process", "required"))
        else:
            found = self.processes.get(process_code)
            if found is None:
                errors.append(("process", f"no process '{process_code}' that you may import into"))
            else:
                process, zone = found

        if not channel and process is not None:
            channel = process.channel
        if channel and channel not in _CHANNELS:
            errors.append(("channel", f"'{channel}' is not one of {', '.join(sorted(_CHANNELS))}"))
        if not direction:
            direction = "inbound"
        elif direction not in _DIRECTIONS:
            errors.append(("direction", f"'{direction}' is not inbound or outbound"))
        if len(customer_ref) > 100:
            errors.append(("customer_ref", "longer than 100 characters"))
        if len(disposition) > 100:
            errors.append(("disposition", "longer than 100 characters"))

        arrived = answered = ended = None
        if not arrived_raw:
            errors.append(("arrived_at", "required"))
        else:
            arrived = _parse_time(arrived_raw)
            if arrived.__class__ is str:
                errors.append(("arrived_at", arrived))
                arrived = None
        if answered_raw:
            answered = _parse_time(answered_raw)
            if answered.__class__ is str:
                errors.append(("answered_at", answered))
                answered = None
            elif arrived is not None and answered < arrived:
                errors.append(("answered_at", "is before arrived_at"))
        if ended_raw:
            ended = _parse_time(ended_raw)
            if ended.__class__ is str:
                errors.append(("ended_at", ended))
                ended = None
            elif answered is not None and ended < answered:
                errors.append(("ended_at", "is before answered_at"))
            elif arrived is not None and ended < arrived:
                errors.append(("ended_at", "is before arrived_at"))

        talk = _parse_seconds(talk_raw)
        if talk.__class__ is str:
            errors.append(("talk_seconds", talk))
        hold = _parse_seconds(hold_raw)
        if hold.__class__ is str:
            errors.append(("hold_seconds", hold))
        wrap = _parse_seconds(wrap_raw)
        if wrap.__class__ is str:
            errors.append(("wrap_seconds", wrap))

        abandoned_raw = abandoned_raw.lower()
        abandoned = abandoned_raw in _TRUE
        if not abandoned and abandoned_raw not in _FALSE:
            errors.append(("abandoned", f"'{abandoned_raw}' is not true, false, 1 or 0"))
        resolved = None
        if resolved_raw:
            resolved_raw = resolved_raw.lower()
            if resolved_raw in _TRUE:
                resolved = True
            elif resolved_raw in ("false", "0"):
                resolved = False
            else:
                errors.append(("resolved", f"'{resolved_raw}' is not true, false, 1, 0 or empty"))

        csat = None
        if csat_raw:
            if csat_raw in _CSAT:
                csat = _CSAT[csat_raw]
                if not answered_raw:
                    errors.append(("csat", "only answered interactions can have a CSAT score"))
            else:
                errors.append(("csat", f"'{csat_raw}' is not a whole number from 1 to 5"))

        agent_id = team_id = None
        if abandoned:
            if answered_raw:
                errors.append(("answered_at", "must be empty when abandoned"))
            if agent_code:
                errors.append(("agent", "must be empty when abandoned"))
            if not ended_raw:
                errors.append(("ended_at", "required when abandoned (when the customer left)"))
        elif answered_raw and not agent_code:
            errors.append(("agent", "required when answered_at is set"))
        if agent_code and not abandoned:
            agent = self.agents.get(agent_code)
            if agent is None:
                errors.append(("agent", f"no agent '{agent_code}'"))
            else:
                agent_id, team_id, staffed = agent
                if process is not None and process.id not in staffed:
                    errors.append(("agent", f"agent {agent_code} is not staffed on process {process.code}"))

        if errors:
            for column, message in errors:
                report.add_error(line, column, message)
            return None
        text = self._text
        return (
            line,
            process.id,
            process.client_id,
            external_id,
            agent_id,
            team_id,
            channel,
            direction,
            customer_ref,
            text(arrived),
            None if answered is None else text(answered),
            None if ended is None else text(ended),
            talk,
            hold,
            wrap,
            abandoned,
            resolved,
            csat,
            disposition,
            arrived.astimezone(zone).date().isoformat(),
            (arrived - _EPOCH) // _MICROSECOND,
            None if answered is None else (answered - arrived).total_seconds(),
            None if ended is None else (ended - arrived).total_seconds(),
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


def csv_rows(stream, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(line number, the 16 values in COLUMNS order) per data row of a CSV stream (bytes or
    text; UTF-8, BOM accepted). Header problems and malformed lines are reported; malformed lines
    are skipped."""
    if isinstance(stream, io.TextIOBase):
        text = stream
    elif hasattr(stream, "readable") and hasattr(stream, "read1"):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    else:  # a plain file-like object (e.g. an upload): slower, but any .read() will do
        text = codecs.getreader("utf-8-sig")(stream, errors="strict")
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
        # A missing column reads the empty string appended at position `width`.
        positions = [index.get(name, width) for name in COLUMNS]
        in_order = positions == list(range(len(COLUMNS))) and width == len(COLUMNS)
        pick = operator.itemgetter(*positions)
        strip = str.strip
        for values in reader:
            line = reader.line_num
            if len(values) != width:
                if not values or values == [""]:
                    continue
                report.add_error(line, "", f"expected {width} fields like the header, found {len(values)}")
                continue
            if in_order:  # the header in COLUMNS order: no reordering, nothing missing
                yield line, list(map(strip, values))
            else:
                values.append("")
                yield line, list(map(strip, pick(values)))
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


# --- writing --------------------------------------------------------------------------------------


class _CopyStream(io.RawIOBase):
    """A read-only file over an iterator of text lines (or blocks of bytes), for psycopg2's copy_expert."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        chunks = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            data = line if isinstance(line, bytes) else line.encode("utf-8")
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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row: tuple) -> str:
    """One staging row in PostgreSQL's COPY text format."""
    (line, process, client, external_id, agent, team, channel, direction, customer, arrived, answered, ended,
     talk, hold, wrap, abandoned, resolved, csat, disposition, local_date, arrived_us, wait,
     duration) = row  # fmt: skip
    n = "\\N"
    return (
        f"{line}\t{process}\t{client}\t{external_id.translate(_COPY_ESCAPES)}\t"
        f"{n if agent is None else agent}\t{n if team is None else team}\t{channel}\t{direction}\t"
        f"{customer.translate(_COPY_ESCAPES)}\t{arrived}\t"
        f"{n if answered is None else answered}\t{n if ended is None else ended}\t{talk}\t{hold}\t{wrap}\t"
        f"{'t' if abandoned else 'f'}\t{n if resolved is None else ('t' if resolved else 'f')}\t"
        f"{n if csat is None else csat}\t{disposition.translate(_COPY_ESCAPES)}\t{local_date}\t{arrived_us}\t"
        f"{n if wait is None else wait}\t{n if duration is None else duration}\n"
    )


class _Staging:
    """The per-import staging table on one database backend."""

    name = "import_staging"

    def __init__(self, cursor):
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"
        self.duplicates = self.postgres  # whether duplicate keys may be staged (SQLite knows after load)

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
            lines = map(_copy_line, rows)
            raw = self.cursor.cursor  # psycopg2's own cursor, for COPY
            raw.copy_expert(f"COPY {self.name} ({', '.join(STAGING_COLUMNS)}) FROM STDIN", _CopyStream(lines))
        else:
            sql = f"INSERT INTO temp.{self.name} VALUES ({', '.join('?' * len(STAGING_COLUMNS))})"
            raw = self.cursor.cursor  # sqlite3's own cursor: '?' placeholders, no Django rewriting
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    raw.executemany(sql, batch)
                    batch.clear()
            if batch:
                raw.executemany(sql, batch)
        # On SQLite a unique index finds duplicate external ids (then `_find_duplicates` lists
        # them); on PostgreSQL the interaction table's unique key does (see `_write`).
        index = f"INDEX import_staging_key ON {self.name} (process_id, external_id)"
        if not self.postgres:
            try:
                self.cursor.execute(f"CREATE UNIQUE {index}")
                return
            except IntegrityError:
                self.duplicates = True
        self.cursor.execute(f"CREATE {index}")

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {'' if self.postgres else 'temp.'}{self.name}")


_UPDATE_COLUMNS = [c for c in STAGING_COLUMNS if c not in ("line", "process_id", "external_id")]


def _changed(stored: str, imported: str, distinct: str) -> str:
    """SQL: the imported values differ from the stored row's (NULL-safe). A row imported again
    unchanged keeps its `imported_at`, so importing a file twice leaves the table exactly as once."""
    old = ", ".join(f"{stored}.{c}" for c in _UPDATE_COLUMNS)
    new = ", ".join(f"{imported}.{c}" for c in _UPDATE_COLUMNS)
    return f"({old}) {distinct} ({new})"


def _find_duplicates(cursor, report: ImportReport) -> None:
    cursor.execute(
        f"SELECT s.line, s.external_id, f.first_line FROM {_Staging.name} s JOIN ("
        f" SELECT process_id, external_id, MIN(line) AS first_line FROM {_Staging.name}"
        " GROUP BY process_id, external_id HAVING COUNT(*) > 1) f"
        " ON f.process_id = s.process_id AND f.external_id = s.external_id"
        " WHERE s.line > f.first_line ORDER BY s.line"
    )
    for line, external_id, first_line in cursor.fetchall():
        report.add_error(line, "external_id", f"'{external_id}' already appears on line {first_line} for this process")


def _upsert(cursor, now: datetime, *, empty: bool = False) -> tuple[int, int]:
    """Insert new rows and update existing ones, each with the repeat-contact flag found by
    `evaluate_repeat_flags_for_import`; returns (created, updated). `empty`: the interaction
    table is known to be empty and locked (PostgreSQL), so every row is inserted unchecked."""
    staging = _Staging.name
    columns = [c for c in STAGING_COLUMNS if c != "line"]
    stamp = connection.ops.adapt_datetimefield_value(now)
    join, flag = flags_join("s")
    if connection.vendor == "postgresql":
        # An UPDATE of the existing rows and a plain INSERT of the new ones cost much less than
        # INSERT ... ON CONFLICT; `_lock_processes` keeps other imports from racing the INSERT.
        # With the default 4 MB the hash of the flags (a million rows: 45 MB) spilled in batches,
        # and the staged rows with it: 2 s of 14 for a million rows. The sorts before run better
        # with the default (external merges here beat one large in-memory quicksort).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        assignments = ", ".join(f"{c} = s.{c}" for c in _UPDATE_COLUMNS)
        updated, new = 0, ""
        if not empty:
            cursor.execute(
                f"UPDATE processes_interaction i SET {assignments}, has_repeat = {flag},"
                f" imported_at = CASE WHEN {_changed('i', 's', 'IS DISTINCT FROM')} THEN %s ELSE i.imported_at END"
                f" FROM {staging} s {join} WHERE i.process_id = s.process_id AND i.external_id = s.external_id",
                [stamp],
            )
            updated = cursor.rowcount
            new = (
                " WHERE NOT EXISTS (SELECT 1 FROM processes_interaction i"
                " WHERE i.process_id = s.process_id AND i.external_id = s.external_id)"
            )
        cursor.execute(
            f"INSERT INTO processes_interaction ({', '.join(columns)}, has_repeat, imported_at)"
            f" SELECT {', '.join(f's.{c}' for c in columns)}, {flag}, %s FROM {staging} s {join}{new}",
            [stamp],
        )
        created = cursor.rowcount
        cursor.execute("RESET work_mem")
        return created, updated
    cursor.execute(
        f"SELECT COUNT(*) FROM {staging} s JOIN processes_interaction i"
        " ON i.process_id = s.process_id AND i.external_id = s.external_id"
    )
    updated = cursor.fetchone()[0]
    cursor.execute(f"SELECT COUNT(*) FROM {staging}")
    total = cursor.fetchone()[0]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in _UPDATE_COLUMNS + ["has_repeat"])
    changed = _changed("processes_interaction", "excluded", "IS NOT")
    assignments += (
        f", imported_at = CASE WHEN {changed} THEN excluded.imported_at ELSE processes_interaction.imported_at END"
    )
    cursor.execute(
        f"INSERT INTO processes_interaction ({', '.join(columns)}, has_repeat, imported_at)"
        f" SELECT {', '.join(f's.{c}' for c in columns)}, {flag}, %s FROM {staging} s {join} WHERE true"
        f" ON CONFLICT (process_id, external_id) DO UPDATE SET {assignments}",
        [stamp],
    )
    return total - updated, updated


_IMPORT_LOCK_NAMESPACE = 7302  # pg_advisory_xact_lock(namespace, process id); the KPI engine uses 7301


def _lock_processes(cursor) -> list[int]:
    """Serialise imports per process until commit (PostgreSQL; in id order, so two imports cannot
    deadlock): the marks and the upsert then see every row another import committed. Returns the
    ids of the staged processes."""
    cursor.execute(
        f"SELECT process_id, pg_advisory_xact_lock({_IMPORT_LOCK_NAMESPACE}, process_id::integer)"
        f" FROM (SELECT DISTINCT process_id FROM {_Staging.name} ORDER BY process_id) p"
    )
    return [process_id for process_id, _ in cursor.fetchall()]


def _processes_hold_no_rows(cursor, process_ids: list[int]) -> bool:
    """PostgreSQL, under `_lock_processes`: whether no interaction of the staged processes is stored
    yet (a first load, a new client's history). Then every staged row is new and the import skips
    the UPDATE and the search for stored keys; the unique key still guards the INSERT (a writer
    that bypassed the import's lock would make it fail, not write a second row)."""
    cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM processes_interaction WHERE process_id = ANY(%s))", [process_ids])
    return cursor.fetchone()[0]


# No import drops or rebuilds an index, nor takes a lock that stops readers (issue 14): an import
# holds ROW EXCLUSIVE on the interaction table (what any INSERT or UPDATE takes), which conflicts
# with no reader. An earlier bulk path (round 4 of docs/performance.md) dropped the unique key
# and the day index of a table holding fewer rows than the import brought and built them after the
# INSERT; it was faster (about 2 s per million rows) but needed ACCESS EXCLUSIVE until commit, and
# every read of interactions waited for the rest of that import (up to 20 s measured).


class _RowsLeftOver(Exception):
    """Fewer rows written than staged: duplicate external ids, unless another writer interfered."""


def _write(cursor, report: ImportReport, now: datetime, staged: int, *, duplicates: bool = True) -> None:
    """The set-based end of every import, on a staging table of `staged` valid rows: duplicate
    external ids, KPI marks and the upsert, all in the caller's transaction."""
    if connection.vendor != "postgresql":
        if duplicates:
            _find_duplicates(cursor, report)
            if report.error_count:
                raise ImportFailed(report)
        report.process_ids, report.marked_days = mark_days_for_import(cursor, _Staging.name, now)
        evaluate_repeat_flags_for_import(cursor, _Staging.name)
        report.created, report.updated = _upsert(cursor, now)
        report.marked_days += refresh_repeat_flags_for_import(cursor, now)
        _record_changes(cursor, report, now, staged)
        return
    # On PostgreSQL the interaction table's unique key finds duplicates as the rows go in, which
    # costs nothing when there are none: two new rows with one key fail the INSERT, two rows for
    # an existing key update it once. Only then is the staging table searched for them.
    empty = _processes_hold_no_rows(cursor, _lock_processes(cursor))
    try:
        with transaction.atomic():
            process_ids, marked_days = mark_days_for_import(cursor, _Staging.name, now)
            evaluate_repeat_flags_for_import(cursor, _Staging.name)
            created, updated = _upsert(cursor, now, empty=empty)
            if created + updated != staged:
                raise _RowsLeftOver(f"{staged} rows staged, {created} created, {updated} updated")
            marked_days += refresh_repeat_flags_for_import(cursor, now)
    except (IntegrityError, _RowsLeftOver):
        _find_duplicates(cursor, report)
        if not report.error_count:
            raise
        raise ImportFailed(report) from None
    report.process_ids, report.marked_days, report.created, report.updated = process_ids, marked_days, created, updated
    _record_changes(cursor, report, now, staged)


MAX_LISTED_RANGES = 20  # per process in an import's list of changed days; the rest are counted


def _record_changes(cursor, report: ImportReport, now: datetime, staged: int) -> None:
    """Fill `report.changes`: per process, the local days this import changed, read back from the
    KPI marks it just wrote (stamped `now`): the days of the imported rows, the old days of rows
    it moved, and the days whose repeat-contact flags it flipped. A read of the small marks table
    by its stamp, plus, only when the import spans several processes, one count of the staged rows
    per process: the import path itself is unchanged."""
    if not report.process_ids:
        return
    ids = ", ".join(str(int(pid)) for pid in sorted(report.process_ids))
    cursor.execute(
        f"SELECT process_id, local_date FROM reporting_kpimark WHERE marked_at = %s AND process_id IN ({ids})"
        " ORDER BY process_id, local_date",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    days: dict[int, list] = {}
    for pid, day in cursor.fetchall():
        days.setdefault(pid, []).append(day if not isinstance(day, str) else datetime.fromisoformat(day).date())
    if len(report.process_ids) == 1:
        rows = {next(iter(report.process_ids)): staged}
    else:
        cursor.execute(f"SELECT process_id, COUNT(*) FROM {_Staging.name} GROUP BY process_id")
        rows = dict(cursor.fetchall())
    processes = Process.objects.filter(pk__in=report.process_ids).values_list("pk", "code", "timezone")
    changes = []
    for pid, code, zone in processes:
        ranges: list[list] = []
        for day in days.get(pid, []):
            if ranges and (day - ranges[-1][1]).days == 1:
                ranges[-1][1] = day
            else:
                ranges.append([day, day])
        changes.append(
            {
                "process": code,
                "timezone": zone,
                "rows": rows.get(pid, 0),
                "days": len(days.get(pid, [])),
                "first": ranges[0][0].isoformat() if ranges else None,
                "last": ranges[-1][1].isoformat() if ranges else None,
                "span_days": (ranges[-1][1] - ranges[0][0]).days + 1 if ranges else 0,
                "ranges": [[a.isoformat(), b.isoformat()] for a, b in ranges[:MAX_LISTED_RANGES]],
                "more_ranges": max(0, len(ranges) - MAX_LISTED_RANGES),
            }
        )
    if len(changes) == 1:  # one process: the import's counts are its counts
        changes[0].update(created=report.created, updated=report.updated)
    report.changes = sorted(changes, key=operator.itemgetter("process"))


def _finish(report: ImportReport, progress, recompute: bool) -> ImportReport:
    if progress is not None:
        progress(report.rows)
    if recompute and report.process_ids:
        from bpo_portal.tasks import enqueue_on_commit
        from reporting.tasks import recompute_marked_kpis

        # The marks are committed with the rows: if the broker is down, the sweep recomputes them.
        enqueue_on_commit(recompute_marked_kpis, process_ids=sorted(report.process_ids))
    return report


def import_interactions(
    rows: Iterable[tuple[int, list[str]]],
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
    validator = RowValidator(user, naive_utc_text=connection.vendor != "postgresql")
    now = timezone.now()

    staged = 0

    def valid_rows():
        nonlocal staged
        validate = validator.validate
        for line, values in rows:
            report.rows += 1
            row = validate(line, values, report)
            if row is not None:
                staged += 1
                yield row
            if progress is not None and report.rows % 50_000 == 0:
                progress(report.rows)

    with _sqlite_cache(), transaction.atomic(), connection.cursor() as cursor:
        staging = _Staging(cursor)
        staging.create()  # rolled back with everything else if anything below raises
        staging.load(valid_rows())
        if report.error_count:
            raise ImportFailed(report)
        _write(cursor, report, now, staged, duplicates=staging.duplicates)
        staging.drop()
    return _finish(report, progress, recompute)


_SQLITE_IMPORT_CACHE_KIB = 65_536


@contextmanager
def _sqlite_cache():
    """On SQLite, a page cache of up to 64 MB (allocated as used) for the main and temp databases
    while the import runs, then the connection's own sizes again. With the default 2 MB the
    staging table spilled to its temp file and the upsert's index inserts missed the cache:
    500,000 rows imported ~15 % faster with it (measured when interactions still had an index by
    customer)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        sizes = {}
        for schema in ("main", "temp"):
            cursor.execute(f"PRAGMA {schema}.cache_size")
            sizes[schema] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {schema}.cache_size = -{_SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for schema, size in sizes.items():
                cursor.execute(f"PRAGMA {schema}.cache_size = {int(size)}")


def import_csv(stream, *, user, progress=None, recompute=True) -> ImportReport:
    """Import one CSV file (bytes or text stream), all or nothing."""
    report = ImportReport()
    if connection.vendor == "postgresql" and not isinstance(stream, io.TextIOBase):
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            loader = _PostgresCsv(stream, cursor, user=user, report=report, progress=progress)
            loader.load()  # raises ImportFailed, with every error, if anything is invalid
            _write(cursor, report, now, loader.staged)
            loader.drop()
        return _finish(report, progress, recompute)
    return import_interactions(
        csv_rows(stream, report), user=user, report=report, progress=progress, recompute=recompute
    )


def import_records(records, *, user) -> ImportReport:
    """Import a JSON array of records (the bulk API), all or nothing."""
    report = ImportReport()
    return import_interactions(json_rows(records, report), user=user, report=report)


# --- PostgreSQL: CSV files straight into the database ---------------------------------------------
#
# Parsing and validating each record in Python costs far more than PostgreSQL's own COPY. So on
# PostgreSQL a CSV file is read in blocks of whole lines, and every run of records that a strict
# pattern (below) accepts goes to the server untouched: COPY ... (FORMAT csv) into a raw table
# whose timestamp, number and boolean columns PostgreSQL parses itself. The raw table (and the
# table of processes it is checked against) is an UNLOGGED table with a name of its own per
# import, created and dropped inside the import's transaction (a failure rolls it back with
# everything else): a temporary table would do, but its pages live in the session's small local
# buffers (COPY was ~1.5 s slower per million rows) and no parallel worker may read it, while the
# staging step below runs on two cores (4.2 s -> 2.7 s per million rows). The pattern only accepts
# records that PostgreSQL and Python read identically: one line each, the header's number of
# fields, RFC 4180 quoting, no blank lines, no whitespace around values (Python strips it),
# timestamps in the common ISO-8601 forms with an offset and a valid date, small whole numbers,
# booleans and CSAT scores as the format allows. The other rules are then checked set-based in
# SQL, with the same messages as RowValidator. Any other record (an error in a typed field, padded
# values, embedded newlines, naive or unusual timestamps, …) and the lines after it, up to
# _SLOW_LINES, go to the Python reader and RowValidator instead, which stay the reference.

_BLOCK = 1 << 20
_SLOW_LINES = 1000
_EOL = re.compile(rb"\r\n?|\n")
_UTF8_ERROR = "the file is not valid UTF-8 (save it as CSV UTF-8)"
# Raw columns that PostgreSQL parses on COPY (empty = NULL); every other column is text.
_RAW_TYPES = {
    "arrived_at": "timestamptz",
    "answered_at": "timestamptz",
    "ended_at": "timestamptz",
    "talk_seconds": "integer",
    "hold_seconds": "integer",
    "wrap_seconds": "integer",
    "abandoned": "boolean",
    "resolved": "boolean",
    "csat": "smallint",
}

# Fast-path field patterns (bytes). Years 1000-2999, calendar-valid dates, offsets within
# −12:00 … +14:00 (PostgreSQL itself would read up to ±15:59), at most microseconds: forms both
# sides read as the same instant.
_YEAR = rb"[12][0-9]{3}"
_LEAP_YEAR = rb"(?:[12][0-9](?:0[48]|[2468][048]|[13579][26])|(?:12|16|20|24|28)00)"
_MONTH_DAY = (
    rb"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    rb"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_FAST_TIMESTAMP = (
    rb"(?:" + _YEAR + rb"-" + _MONTH_DAY + rb"|" + _LEAP_YEAR + rb"-02-29)"
    rb"[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    # Offsets as real zones use them, −12:00 … +14:00 (bpo_portal.parsing); others go to Python.
    rb"(?:Z|\+(?:0[0-9]|1[0-3])(?::?[0-5][0-9])?|\+14(?::?00)?|-(?:0[0-9]|1[01])(?::?[0-5][0-9])?|-12(?::?00)?)"
)
_FAST_BOOLEAN = rb"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])"
_FAST_TYPED = {
    "arrived_at": _FAST_TIMESTAMP,
    "answered_at": _FAST_TIMESTAMP,
    "ended_at": _FAST_TIMESTAMP,
    "talk_seconds": rb"[0-9]{1,9}",
    "hold_seconds": rb"[0-9]{1,9}",
    "wrap_seconds": rb"[0-9]{1,9}",
    "abandoned": _FAST_BOOLEAN,
    "resolved": _FAST_BOOLEAN,
    "csat": rb"[1-5]",
}
# What str.strip() removes: ASCII whitespace and, in UTF-8, the Unicode spaces.
_WS = rb"\t\n\x0b\x0c\r\x1c-\x1f "
_NO_LEADING_UNICODE_SPACE = (
    rb"(?!\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80)"
)
_NO_TRAILING_UNICODE_SPACE = (
    rb"(?<!\xc2[\x85\xa0])(?<!\xe1\x9a\x80)(?<!\xe2\x80[\x80-\x8a\xa8\xa9\xaf])(?<!\xe2\x81\x9f)(?<!\xe3\x80\x80)"
)


def _fast_pattern(names: list[str], *, unicode_spaces: bool) -> re.Pattern[bytes]:
    """Matches a run of whole records (under the header `names`) that COPY reads as Python would."""
    lead = _NO_LEADING_UNICODE_SPACE if unicode_spaces else b""
    trail = _NO_TRAILING_UNICODE_SPACE if unicode_spaces else b""
    unquoted = rb"(?:" + lead + rb"[^" + _WS + rb'",\x00](?:[^",\r\n\x00]*+(?<![' + _WS + rb"])" + trail + rb")?)?"
    quoted = rb'"' + lead + rb"(?![" + _WS + rb'])(?:[^"\r\n\x00]|"")*+(?<![' + _WS + rb"])" + trail + rb'"'
    text = rb"(?:" + quoted + rb"|" + unquoted + rb")"
    fields = []
    for name in names:
        typed = _FAST_TYPED.get(name)
        fields.append(text if typed is None else rb"(?:" + typed + rb'|"' + typed + rb'")?')
    return re.compile(rb"(?:" + b",".join(fields) + rb"(?:\r?\n|\Z))*+")


class _PostgresCsv:
    """Loads one CSV file into the staging table on PostgreSQL (see above), or raises
    ImportFailed with the errors that `csv_rows` and RowValidator report."""

    slow = "import_staging_slow"  # rows of the Python reader, until `_stage` appends them

    def __init__(self, stream, cursor, *, user, report: ImportReport, progress):
        self.stream, self.cursor, self.user, self.report, self.progress = stream, cursor, user, report, progress
        token = uuid.uuid4().hex[:16]
        self.raw, self.processes = f"import_raw_{token}", f"import_processes_{token}"
        self.agents = f"import_agents_{token}"  # the agents rows may name (`nameable_agents`)
        self.buffer = b""
        self.pos = 0  # the next unread byte of the buffer
        self.offset = 0  # where the buffer starts in the file
        self.eof = False
        self.line = 1  # number of the next physical line
        self.done = False  # at the end of the file, or stopped by an error
        self.found = ImportReport()  # errors found on the Python side
        self.validator: RowValidator | None = None
        self.slow_until: int | None = None  # file offset up to which the Python reader takes over
        self.raw_rows = 0  # records in the raw table
        self.staged = 0  # rows in the staging table
        self.next_progress = 50_000

    # -- reading

    def _more(self) -> None:
        data = self.stream.read(_BLOCK)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not data:
            self.eof = True
        elif self.pos:
            self.offset += self.pos
            self.buffer = self.buffer[self.pos :] + data
            self.pos = 0
        else:
            self.buffer += data

    def _fill(self, size: int) -> None:
        while not self.eof and len(self.buffer) - self.pos < size:
            self._more()

    def _lines(self) -> Iterator[str]:
        """Physical lines as Python's universal newlines split them (\\r\\n, \\r or \\n)."""
        while True:
            found = _EOL.search(self.buffer, self.pos)
            if found is None or (found.end() == len(self.buffer) and found.group() == b"\r"):
                if not self.eof:
                    self._more()
                    continue
                if found is None and self.pos >= len(self.buffer):
                    return
            end = len(self.buffer) if found is None else found.end()
            text = self.buffer[self.pos : end].decode("utf-8")  # an error is on line self.line
            self.pos = end
            self.line += 1
            yield text

    def _progress(self) -> None:
        if self.progress is not None and self.report.rows >= self.next_progress:
            self.next_progress = (self.report.rows // 50_000 + 1) * 50_000
            self.progress(self.report.rows)

    # -- loading

    def load(self) -> None:
        names = self._header()
        if names is None:
            raise ImportFailed(self.report)
        self.names = names
        index = {name: position for position, name in enumerate(names)}
        self.positions = [index.get(name, len(names)) for name in COLUMNS]
        self.fast = _fast_pattern(names, unicode_spaces=False)
        self.fast_unicode = _fast_pattern(names, unicode_spaces=True)
        self._create_tables()
        while not self.done:
            self._fast_segment()
            if self.slow_until is not None:
                self._slow_segment()
        if self.found.error_count:
            self._fail(*self._errors())  # the SQL side's errors are listed too
        if self._stage() < self.raw_rows:
            listed, count = self._errors()
            if not count:  # the validity test and the rules disagree: a bug, not a bad file
                raise RuntimeError("rows failed the import's validity test without an error message")
            self._fail(listed, count)
        self.staged += self.raw_rows

    def _header(self) -> list[str] | None:
        self._fill(3)
        if self.buffer.startswith(b"\xef\xbb\xbf"):
            self.pos = 3
        reader = csv.reader(self._lines(), strict=True)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            self.report.add_error(self.line, "", _UTF8_ERROR)
            return None
        except csv.Error as exc:
            self.report.add_error(self.line - 1, "", f"malformed CSV: {exc}")
            return None
        if header is None:
            self.report.add_error(1, "", "the file is empty: the first line must be the header")
            return None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        names = [h.strip() for h in header]
        return names if _check_header(names, self.report) is not None else None

    def _create_tables(self) -> None:
        cursor = self.cursor
        _Staging(cursor).drop()
        cursor.execute(f"DROP TABLE IF EXISTS {self.slow}")
        staging = ", ".join(f"{c} {_STAGING_TYPES[c]}" for c in STAGING_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE {self.slow} ({staging}) ON COMMIT DROP")
        columns = ", ".join(f"{name} {_RAW_TYPES.get(name, 'text')}" for name in self.names)
        cursor.execute(
            f"CREATE UNLOGGED TABLE {self.raw} (line integer GENERATED BY DEFAULT AS IDENTITY, {columns})"
            " WITH (autovacuum_enabled = false)"
        )
        cursor.execute(
            f"CREATE UNLOGGED TABLE {self.processes} (code text PRIMARY KEY, id bigint, client_id bigint,"
            " channel text, timezone text) WITH (autovacuum_enabled = false)"
        )
        rows = list(importable_processes(self.user).values_list("code", "pk", "client_id", "channel", "timezone"))
        if rows:
            cursor.executemany(f"INSERT INTO {self.processes} VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.execute(
            f"CREATE UNLOGGED TABLE {self.agents} (id bigint PRIMARY KEY, code text, team_id bigint)"
            " WITH (autovacuum_enabled = false)"
        )
        try:
            pks, params = nameable_agents(self.user).values("pk").query.sql_with_params()
        except EmptyResultSet:  # a user who may see no agent
            return
        cursor.execute(
            f"INSERT INTO {self.agents} SELECT id, code, team_id FROM {Agent._meta.db_table} WHERE id IN ({pks})",
            params,
        )

    def drop(self) -> None:
        self.cursor.execute(
            f"DROP TABLE IF EXISTS {self.raw}, {self.processes}, {self.agents}, {self.slow}, {_Staging.name}"
        )

    def _copy(self, sql: str, chunks: Iterator, line_of: Callable[[int], int]) -> None:
        import psycopg2

        try:
            self.cursor.cursor.copy_expert(sql, _CopyStream(chunks), size=_BLOCK)
        except psycopg2.Error as exc:
            where = re.search(r"\bline (\d+)", exc.diag.context or "")
            if where is None:
                raise
            # The transaction is aborted: report what was found so far and this, and stop.
            self.found.add_error(line_of(int(where.group(1))), "", exc.diag.message_primary or str(exc))
            self._fail([], 0)

    def _fast_segment(self) -> None:
        """One COPY of the records the fast pattern accepts, up to the first it does not (then
        `slow_until` is set), a change of line ending, or the end of the file."""
        self.slow_until = None
        first_line = self.line
        blocks = self._fast_blocks()
        first = next(blocks, None)
        if first is None:
            return
        self.cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'line'), %s, false)", [self.raw, first_line])
        text_columns = ", ".join(name for name in self.names if name not in _RAW_TYPES)
        self._copy(
            f"COPY {self.raw} ({', '.join(self.names)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))",
            itertools.chain([first], blocks),
            lambda n: first_line + n - 1,
        )

    def _fast_blocks(self) -> Iterator[bytes]:
        line_ending = None
        while True:
            self._fill(_BLOCK)
            start = self.pos
            if start >= len(self.buffer):
                self.done = True
                return
            end = len(self.buffer) if self.eof else self.buffer.rfind(b"\n", start) + 1
            if end == 0:  # a line longer than a block
                self.slow_until = self.offset + len(self.buffer)
                return
            block = self.buffer[start:end]
            size, records, ending = self._fast_prefix(block)
            if size:
                if line_ending is not None and ending is not None and ending != line_ending:
                    return  # the next COPY starts here: PostgreSQL wants one kind of line ending
                line_ending = line_ending or ending
                self.pos += size
                self.line += records
                self.raw_rows += records
                self.report.rows += records
                self._progress()
                yield block if size == len(block) else block[:size]
            if size < len(block):
                # The Python reader takes the refused record and the next lines of the block: a
                # run of odd records costs no COPY per record, a lone one no more than that.
                stop = start + size
                for _ in range(_SLOW_LINES):
                    stop = self.buffer.find(b"\n", stop, end) + 1
                    if not stop:
                        stop = end
                        break
                self.slow_until = self.offset + stop
                return

    def _fast_prefix(self, block: bytes) -> tuple[int, int, bytes | None]:
        """(bytes, records, line ending) of the leading whole records of `block` that the fast
        path takes."""
        ascii_only = block.isascii()
        size = (self.fast if ascii_only else self.fast_unicode).match(block).end()
        if not ascii_only:
            try:
                block[:size].decode("utf-8")
            except UnicodeDecodeError as exc:
                size = block.rfind(b"\n", 0, exc.start) + 1  # the Python reader reports that line
        newlines = block.count(b"\n", 0, size)
        returns = block.count(b"\r", 0, size)
        if returns == 0:
            ending = b"\n" if newlines else None
        elif returns == newlines:
            ending = b"\r\n"
        else:
            return 0, 0, None
        records = newlines + (1 if size and block[size - 1] != 0x0A else 0)
        return size, records, ending

    def _slow_segment(self) -> None:
        """The Python reader and RowValidator, from the record the fast path refused up to
        `slow_until`; valid rows go straight into the staging table."""
        lines: list[int] = []
        rows = self._slow_rows(self.slow_until, lines)
        self.slow_until = None
        first = next(rows, None)
        if first is not None:
            self._copy(
                f"COPY {self.slow} ({', '.join(STAGING_COLUMNS)}) FROM STDIN",
                itertools.chain([first], rows),
                lambda n: lines[n - 1],
            )

    def _slow_rows(self, until: int, lines: list[int]) -> Iterator[str]:
        if self.validator is None:
            self.validator = RowValidator(self.user, naive_utc_text=False)
        validate = self.validator.validate
        width, positions = len(self.names), self.positions
        reader = csv.reader(self._lines(), strict=True)
        try:
            for values in reader:
                line = self.line - 1  # the record's last line, as csv.reader counts
                if len(values) != width:
                    if values and values != [""]:
                        self.found.add_error(line, "", f"expected {width} fields like the header, found {len(values)}")
                else:
                    values.append("")
                    self.report.rows += 1
                    row = validate(line, [values[p].strip() for p in positions], self.found)
                    if row is not None:
                        lines.append(line)
                        self.staged += 1
                        yield _copy_line(row)
                    self._progress()
                if self.offset + self.pos >= until:
                    return
            self.done = True
        except UnicodeDecodeError:
            self.found.add_error(self.line, "", _UTF8_ERROR)
            self.done = True
        except csv.Error as exc:
            self.found.add_error(self.line - 1, "", f"malformed CSV: {exc}")
            self.done = True

    # -- checking, set-based

    def _expressions(self) -> dict[str, str]:
        present = set(self.names)
        exprs = {}
        for name in COLUMNS:
            if name in present:
                exprs[name] = f"r.{name}"
            elif name in _RAW_TYPES:
                exprs[name] = f"NULL::{_RAW_TYPES[name]}"
            else:
                exprs[name] = "''"
        exprs["abandoned"] = f"coalesce({exprs['abandoned']}, false)"
        return exprs

    def _from(self) -> str:
        sql = f"{self.raw} r LEFT JOIN {self.processes} p ON p.code = r.process"
        if "agent" in self.names:
            through = Agent.processes.through._meta.db_table
            sql += (
                f" LEFT JOIN {self.agents} a ON a.code = r.agent AND r.agent <> ''"
                f" LEFT JOIN {through} s ON s.agent_id = a.id AND s.process_id = p.id"
            )
        return sql

    def _valid(self) -> str:
        """True exactly when none of `_rules` gives an error."""
        x = self._expressions()
        e, pc, ag, ch, d = x["external_id"], x["process"], x["agent"], x["channel"], x["direction"]
        arr, ans, end, ab, cs = x["arrived_at"], x["answered_at"], x["ended_at"], x["abandoned"], x["csat"]
        cr, disp = x["customer_ref"], x["disposition"]
        channels = ", ".join(f"'{c}'" for c in sorted(_CHANNELS))
        staffed = "s.agent_id IS NOT NULL" if "agent" in self.names else "false"
        return " AND ".join(
            [
                f"{e} <> ''",
                f"(octet_length({e}) <= 100 OR length({e}) <= 100)",
                f"{pc} <> ''",
                "p.id IS NOT NULL",
                f"{ch} IN ('', {channels})",
                f"{d} IN ('', 'inbound', 'outbound')",
                f"(octet_length({cr}) <= 100 OR length({cr}) <= 100)",
                f"(octet_length({disp}) <= 100 OR length({disp}) <= 100)",
                f"{arr} IS NOT NULL",
                f"({ans} IS NULL OR {ans} >= {arr})",
                f"({end} IS NULL OR ({end} >= {arr} AND ({ans} IS NULL OR {end} >= {ans})))",
                f"({cs} IS NULL OR {ans} IS NOT NULL)",
                f"CASE WHEN {ab} THEN {ans} IS NULL AND {ag} = '' AND {end} IS NOT NULL"
                f" ELSE ({ans} IS NULL OR {ag} <> '') AND ({ag} = '' OR {staffed}) END",
            ]
        )

    def _rules(self) -> list[tuple[int, str, str]]:
        """RowValidator's rules that the fast path leaves to SQL, in its order: (order, column,
        message or NULL). Typed values that reach SQL are well-formed by construction."""
        x = self._expressions()
        e, pc, ag, ch, d = x["external_id"], x["process"], x["agent"], x["channel"], x["direction"]
        arr, ans, end, ab, cs = x["arrived_at"], x["answered_at"], x["ended_at"], x["abandoned"], x["csat"]
        cr, disp = x["customer_ref"], x["disposition"]
        channels = ", ".join(f"'{c}'" for c in sorted(_CHANNELS))
        channel_list = ", ".join(sorted(_CHANNELS))
        unknown = "a.id IS NULL" if "agent" in self.names else "true"
        unstaffed = "s.agent_id IS NULL" if "agent" in self.names else "true"
        return [
            (1, "external_id", f"CASE WHEN {e} = '' THEN 'required'"
                f" WHEN length({e}) > 100 THEN 'longer than 100 characters' END"),
            (2, "process", f"CASE WHEN {pc} = '' THEN 'required'"
                f" WHEN p.id IS NULL THEN format('no process ''%s'' that you may import into', {pc}) END"),
            (3, "channel", f"CASE WHEN {ch} NOT IN ('', {channels})"
                f" THEN format('''%s'' is not one of {channel_list}', {ch}) END"),
            (4, "direction", f"CASE WHEN {d} NOT IN ('', 'inbound', 'outbound')"
                f" THEN format('''%s'' is not inbound or outbound', {d}) END"),
            (5, "customer_ref", f"CASE WHEN length({cr}) > 100 THEN 'longer than 100 characters' END"),
            (6, "disposition", f"CASE WHEN length({disp}) > 100 THEN 'longer than 100 characters' END"),
            (7, "arrived_at", f"CASE WHEN {arr} IS NULL THEN 'required' END"),
            (8, "answered_at", f"CASE WHEN {ans} < {arr} THEN 'is before arrived_at' END"),
            (9, "ended_at", f"CASE WHEN {end} < {ans} THEN 'is before answered_at'"
                f" WHEN {end} < {arr} THEN 'is before arrived_at' END"),
            (15, "csat", f"CASE WHEN {cs} IS NOT NULL AND {ans} IS NULL"
                " THEN 'only answered interactions can have a CSAT score' END"),
            (16, "answered_at", f"CASE WHEN {ab} AND {ans} IS NOT NULL THEN 'must be empty when abandoned' END"),
            (17, "agent", f"CASE WHEN {ab} AND {ag} <> '' THEN 'must be empty when abandoned' END"),
            (18, "ended_at", f"CASE WHEN {ab} AND {end} IS NULL"
                " THEN 'required when abandoned (when the customer left)' END"),
            (19, "agent", f"CASE WHEN NOT {ab} AND {ans} IS NOT NULL AND {ag} = ''"
                " THEN 'required when answered_at is set' END"),
            (20, "agent", f"CASE WHEN NOT {ab} AND {ag} <> '' THEN CASE"
                f" WHEN {unknown} THEN format('no agent ''%s''', {ag})"
                f" WHEN p.id IS NOT NULL AND {unstaffed}"
                f" THEN format('agent %s is not staffed on process %s', {ag}, {pc}) END END"),
        ]  # fmt: skip

    def _errors(self) -> tuple[list[ImportError_], int]:
        """The first errors of the raw rows in file order, and how many there are in all."""
        if not self.raw_rows:
            return [], 0
        rules = self._rules()
        messages = ", ".join(f"{message} AS m{n}" for n, _, message in rules)
        unpivot = ", ".join(f"({n}, '{column}', v.m{n})" for n, column, _ in rules)
        # OFFSET 0 keeps the validity test out of the join planning (the raw table may have no
        # statistics yet, see _stage).
        self.cursor.execute(
            f"SELECT v.line, x.col, x.msg, count(*) OVER () FROM ("
            f"SELECT r.line, ({self._valid()}) AS ok, {messages} FROM {self._from()} OFFSET 0) v"
            f" CROSS JOIN LATERAL (VALUES {unpivot}) AS x(n, col, msg)"
            f" WHERE v.ok IS NOT TRUE AND x.msg IS NOT NULL ORDER BY v.line, x.n LIMIT {MAX_LISTED_ERRORS}"
        )
        found = self.cursor.fetchall()
        return [ImportError_(line, column, message) for line, column, message, _ in found], (
            found[0][3] if found else 0
        )

    def _fail(self, listed: list[ImportError_], count: int) -> None:
        """Raise ImportFailed with the errors of both sides, listed in file order as a single
        pass would have found them."""
        python_side = sorted(self.found.errors, key=lambda error: error.line)
        merged = heapq.merge(python_side, listed, key=lambda error: error.line)
        self.report.errors.extend(itertools.islice(merged, MAX_LISTED_ERRORS))
        self.report.error_count += self.found.error_count + count
        raise ImportFailed(self.report)

    def _stage(self) -> int:
        """The staging table: typed rows for the valid raw rows, derived as RowValidator derives
        them, then the rows the Python reader validated; returns how many raw rows were valid."""
        cursor = self.cursor
        if not self.raw_rows:
            cursor.execute(f"ALTER TABLE {self.slow} RENAME TO {_Staging.name}")
            return 0
        # Statistics first (0.4 s per million rows): without them the validity test's conditions
        # read as (nearly) never true, the plan is neither parallel nor free of nested loops.
        cursor.execute(f"ANALYZE {self.raw}")
        x = self._expressions()
        arr = x["arrived_at"]
        agent = "a.id AS agent_id, a.team_id"
        if "agent" not in self.names:
            agent = "NULL::bigint AS agent_id, NULL::bigint AS team_id"
        typed = ", ".join(f"{c}::{_STAGING_TYPES[c]} AS {c}" for c in STAGING_COLUMNS)
        # CREATE TABLE AS, not INSERT: only its query may run on parallel workers.
        cursor.execute(
            f"CREATE TEMP TABLE {_Staging.name} ON COMMIT DROP AS SELECT {typed} FROM ("
            f"SELECT r.line, p.id AS process_id, p.client_id, {x['external_id']} AS external_id, {agent},"
            f" CASE WHEN {x['channel']} = '' THEN p.channel ELSE {x['channel']} END AS channel,"
            f" CASE WHEN {x['direction']} = '' THEN 'inbound' ELSE {x['direction']} END AS direction,"
            f" {x['customer_ref']} AS customer_ref, {arr} AS arrived_at, {x['answered_at']} AS answered_at,"
            f" {x['ended_at']} AS ended_at, coalesce({x['talk_seconds']}, 0) AS talk_seconds,"
            f" coalesce({x['hold_seconds']}, 0) AS hold_seconds, coalesce({x['wrap_seconds']}, 0) AS wrap_seconds,"
            f" {x['abandoned']} AS abandoned, {x['resolved']} AS resolved, {x['csat']} AS csat,"
            f" {x['disposition']} AS disposition,"
            f" ({arr} AT TIME ZONE p.timezone)::date AS local_date,"
            f" (extract(epoch FROM {arr}) * 1000000)::bigint AS arrived_us,"
            f" extract(epoch FROM {x['answered_at']} - {arr})::float8 AS wait_seconds,"
            f" extract(epoch FROM {x['ended_at']} - {arr})::float8 AS duration_seconds,"
            f" ({self._valid()}) AS ok"
            f" FROM {self._from()}) v WHERE v.ok"
        )
        valid = cursor.rowcount
        if self.staged:
            cursor.execute(f"INSERT INTO {_Staging.name} SELECT * FROM {self.slow}")
        cursor.execute(f"DROP TABLE {self.slow}")
        return valid


# --- the template CSV offered on the Imports page --------------------------------------------------

TEMPLATE_PLACEHOLDER_PROCESS = "YOUR-PROCESS-CODE"
TEMPLATE_PLACEHOLDER_AGENT = "YOUR-AGENT-CODE"


def import_template(user, *, now: datetime | None = None) -> tuple[str, Process | None, bool]:
    """A CSV file that imports as it is: the header with every column of IMPORT_FORMAT.md in its
    order, and three example rows (an answered inbound contact, an abandoned one, an answered
    outbound one) dated yesterday, 09:00–10:05 in the process's own time zone with its offset.

    The rows are for the first process (by code) `user` may import into, and name an agent
    staffed on it whom they may name. Returns (text, that process or None, whether an agent was
    found); without a process or an agent the codes are placeholders to replace (said on the page)."""
    now = now or timezone.now()
    process = importable_processes(user).order_by("code").first()
    agent = None
    if process is not None:
        agent = nameable_agents(user).filter(processes=process).order_by("code").first()
    zone = ZoneInfo(process.timezone) if process else UTC
    day = now.astimezone(zone).date() - timedelta(days=1)

    def at(hour: int, minute: int, second: int = 0) -> str:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone).isoformat()

    code = process.code if process else TEMPLATE_PLACEHOLDER_PROCESS
    agent_code = agent.code if agent else TEMPLATE_PLACEHOLDER_AGENT
    channel = process.channel if process else ""
    stamp = day.strftime("%Y%m%d")
    examples = [
        {
            "external_id": f"EXAMPLE-{stamp}-1",
            "process": code,
            "agent": agent_code,
            "channel": channel,
            "direction": "inbound",
            "customer_ref": "CUST-1001",
            "arrived_at": at(9, 0),
            "answered_at": at(9, 0, 12),
            "ended_at": at(9, 5, 12),
            "talk_seconds": "280",
            "hold_seconds": "0",
            "wrap_seconds": "20",
            "abandoned": "false",
            "resolved": "true",
            "csat": "5",
            "disposition": "resolved",
        },
        {
            "external_id": f"EXAMPLE-{stamp}-2",
            "process": code,
            "channel": channel,
            "direction": "inbound",
            "customer_ref": "CUST-1002",
            "arrived_at": at(9, 2),
            "ended_at": at(9, 2, 40),
            "abandoned": "true",
        },
        {
            "external_id": f"EXAMPLE-{stamp}-3",
            "process": code,
            "agent": agent_code,
            "channel": channel,
            "direction": "outbound",
            "customer_ref": "CUST-1002",
            "arrived_at": at(10, 0),
            "answered_at": at(10, 0, 5),
            "ended_at": at(10, 5, 5),
            "talk_seconds": "290",
            "hold_seconds": "0",
            "wrap_seconds": "10",
            "abandoned": "false",
            "resolved": "true",
            "disposition": "callback",
        },
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(examples)
    return out.getvalue(), process, agent is not None
