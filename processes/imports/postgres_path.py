"""The COPY path of the interaction import: CSV files straight into the database (PostgreSQL).

Parsing and validating each record in Python costs far more than PostgreSQL's own COPY. So on
PostgreSQL a CSV file is read in blocks of whole lines, and every run of records that a strict
pattern (below) accepts goes to the server untouched: COPY ... (FORMAT csv) into a raw table
whose timestamp, number and boolean columns PostgreSQL parses itself. The raw table (and the
table of processes it is checked against) is an UNLOGGED table with a name of its own per
import, created and dropped inside the import's transaction (a failure rolls it back with
everything else): a temporary table would do, but its pages live in the session's small local
buffers (COPY was ~1.5 s slower per million rows) and no parallel worker may read it, while the
staging step below runs on two cores (4.2 s -> 2.7 s per million rows). The pattern only accepts
records that PostgreSQL and Python read identically: one line each, the header's number of
fields, RFC 4180 quoting, no blank lines, no whitespace around values (Python strips it),
timestamps in the common ISO-8601 forms with an offset and a valid date, small whole numbers,
booleans and CSAT scores as the format allows. The other rules are then checked set-based in
SQL, with the same messages as RowValidator: both are generated from rules.CHECKS
(`sql_checks` below, python_path.check_record). Any other record (an error in a typed field, padded
values, embedded newlines, naive or unusual timestamps, …) and the lines after it, up to
_SLOW_LINES, go to the Python reader and RowValidator instead, which stay the reference.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import re
import uuid
from collections.abc import Callable, Iterator

from django.core.exceptions import EmptyResultSet

from agents.models import Agent
from processes.imports.conditions import message_sql
from processes.imports.csv_reader import EMPTY_FILE, UTF8_ERROR, check_header, header_names, malformed, width_error
from processes.imports.python_path import RowValidator
from processes.imports.report import MAX_LISTED_ERRORS, ImportError_, ImportFailed, ImportReport
from processes.imports.rules import CHECKS, COLUMNS, FIELDS, REQUIRED_COLUMNS, TYPED
from processes.imports.scope import importable_processes, nameable_agents
from processes.imports.staging import STAGING_COLUMNS, STAGING_TYPES, CopyStream, Staging, copy_line

_BLOCK = 1 << 20
_SLOW_LINES = 1000
_EOL = re.compile(rb"\r\n?|\n")
# Raw columns that PostgreSQL parses on COPY (empty = NULL), as rules.FIELDS types them; every
# other column is text.
_RAW_TYPES = {field.name: field.kind.sql_type for field in TYPED}
_TYPED_NAMES = frozenset(_RAW_TYPES)

# --- the checks, rendered from rules.py -------------------------------------------------------------


def sql_checks(names: dict[str, str]) -> list[tuple[int, str, str]]:
    """Each check of rules.CHECKS that can fail on the COPY path as (its place in CHECKS, from 1;
    its column; a CASE giving its message or NULL), with `names[name]` the SQL of each name the
    conditions speak of. An alternative whose condition has no SQL form (`Invalid`: the fast
    pattern passes only text its field's reader takes) is left out, and so is a check left
    with none."""
    checks = []
    for order, rule in enumerate(CHECKS, 1):
        whens = [
            f"WHEN {sql} THEN {message_sql(template, names)}"
            for condition, template in rule.alternatives
            if (sql := condition.sql(names, _TYPED_NAMES)) is not None
        ]
        if whens:
            checks.append((order, rule.column, f"CASE {' '.join(whens)} END"))
    return checks


def sql_conditions(names: dict[str, str]) -> list[str]:
    """The SQL of every alternative's condition that has one, in CHECKS order: a record is valid
    on the COPY path when none of them is true."""
    return [
        sql
        for rule in CHECKS
        for condition, _ in rule.alternatives
        if (sql := condition.sql(names, _TYPED_NAMES)) is not None
    ]


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
            self.report.add_error(self.line, "", UTF8_ERROR)
            return None
        except csv.Error as exc:
            self.report.add_error(self.line - 1, "", malformed(exc))
            return None
        if header is None:
            self.report.add_error(1, "", EMPTY_FILE)
            return None
        names = header_names(header)
        index = check_header(names, self.report, columns=COLUMNS, required=REQUIRED_COLUMNS)
        return names if index is not None else None

    def _create_tables(self) -> None:
        cursor = self.cursor
        Staging(cursor).drop()
        cursor.execute(f"DROP TABLE IF EXISTS {self.slow}")
        staging = ", ".join(f"{c} {STAGING_TYPES[c]}" for c in STAGING_COLUMNS)
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
            f"DROP TABLE IF EXISTS {self.raw}, {self.processes}, {self.agents}, {self.slow}, {Staging.name}"
        )

    def _copy(self, sql: str, chunks: Iterator, line_of: Callable[[int], int]) -> None:
        import psycopg2  # noqa: PLC0415 - only the PostgreSQL path needs the driver

        try:
            self.cursor.cursor.copy_expert(sql, CopyStream(chunks), size=_BLOCK)
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
                        self.found.add_error(line, "", width_error(width, len(values)))
                else:
                    values.append("")
                    self.report.rows += 1
                    row = validate(line, [values[p].strip() for p in positions], self.found)
                    if row is not None:
                        lines.append(line)
                        self.staged += 1
                        yield copy_line(row)
                    self._progress()
                if self.offset + self.pos >= until:
                    return
            self.done = True
        except UnicodeDecodeError:
            self.found.add_error(self.line, "", UTF8_ERROR)
            self.done = True
        except csv.Error as exc:
            self.found.add_error(self.line - 1, "", malformed(exc))
            self.done = True

    # -- checking, set-based

    def _expressions(self) -> dict[str, str]:
        """The SQL of each field's value over `_from`: the raw column (NULL::type or '' when the
        file has none), with a typed field's empty value (`Kind.sql_empty`) for NULL."""
        present = set(self.names)
        exprs = {}
        for field in FIELDS:
            name, kind = field.name, field.kind
            if name in present:
                exprs[name] = f"r.{name}"
            elif name in _RAW_TYPES:
                exprs[name] = f"NULL::{kind.sql_type}"
            else:
                exprs[name] = "''"
            if kind.sql_empty is not None:
                exprs[name] = f"coalesce({exprs[name]}, {kind.sql_empty})"
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
        """True exactly when none of `_rules` gives an error: no alternative's condition is true
        (a NULL condition, a missing timestamp of `Before`, is no error, as in a CASE)."""
        return " AND ".join(f"({condition}) IS NOT TRUE" for condition in sql_conditions(self._names()))

    def _rules(self) -> list[tuple[int, str, str]]:
        """The checks that the fast path leaves to SQL, in CHECKS order: (order, column, CASE
        giving the message or NULL)."""
        return sql_checks(self._names())

    def _names(self) -> dict[str, str]:
        """The SQL of each name the conditions speak of (conditions.py) over `_from`."""
        names = self._expressions()
        agents = "agent" in self.names
        names["process_found"] = "p.id"
        names["agent_found"] = "a.id" if agents else "NULL::bigint"
        names["agent_staffed"] = "s.agent_id" if agents else "NULL::bigint"
        return names

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
            cursor.execute(f"ALTER TABLE {self.slow} RENAME TO {Staging.name}")
            return 0
        # Statistics first (0.4 s per million rows): without them the validity test's conditions
        # read as (nearly) never true, the plan is neither parallel nor free of nested loops.
        cursor.execute(f"ANALYZE {self.raw}")
        x = self._expressions()
        arr = x["arrived_at"]
        agent = "a.id AS agent_id, a.team_id"
        if "agent" not in self.names:
            agent = "NULL::bigint AS agent_id, NULL::bigint AS team_id"
        typed = ", ".join(f"{c}::{STAGING_TYPES[c]} AS {c}" for c in STAGING_COLUMNS)
        # CREATE TABLE AS, not INSERT: only its query may run on parallel workers.
        cursor.execute(
            f"CREATE TEMP TABLE {Staging.name} ON COMMIT DROP AS SELECT {typed} FROM ("
            f"SELECT r.line, p.id AS process_id, p.client_id, {x['external_id']} AS external_id, {agent},"
            f" CASE WHEN {x['channel']} = '' THEN p.channel ELSE {x['channel']} END AS channel,"
            f" CASE WHEN {x['direction']} = '' THEN 'inbound' ELSE {x['direction']} END AS direction,"
            f" {x['customer_ref']} AS customer_ref, {arr} AS arrived_at, {x['answered_at']} AS answered_at,"
            f" {x['ended_at']} AS ended_at, {x['talk_seconds']} AS talk_seconds,"
            f" {x['hold_seconds']} AS hold_seconds, {x['wrap_seconds']} AS wrap_seconds,"
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
            cursor.execute(f"INSERT INTO {Staging.name} SELECT * FROM {self.slow}")
        cursor.execute(f"DROP TABLE {self.slow}")
        return valid
