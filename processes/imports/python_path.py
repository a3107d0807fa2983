"""The Python path of the interaction import: RowValidator reads and checks one record at a time
(on SQLite, for the bulk API, and for the CSV records the COPY path leaves to Python) and gives
the row for the staging table, or adds the record's errors to the report.

The reading and the checks are not written here: `check_record` is compiled, once, from
rules.FIELDS and rules.CHECKS (see `check_record_source`, printed by
`python -c "from processes.imports.python_path import CHECK_SOURCE; print(CHECK_SOURCE)"` in a
configured shell). What is written here is how a valid record becomes a staging row, twice: the
reference (`_validate_detailed`), and the fast derivation `validate` uses, whose shortcuts give
exactly the same row (tests/test_imports.py compares them over generated records).
"""

from __future__ import annotations

import linecache
import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from agents.models import Agent
from processes.imports.conditions import message_python
from processes.imports.report import ImportReport
from processes.imports.rules import CHECKS, COLUMNS, DEFAULT_DIRECTION, TYPED
from processes.imports.scope import importable_processes, nameable_agents

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PG_OFFSET_LIMIT = timedelta(hours=16)
_DAY_US = 86_400_000_000
_PROCESS, _AGENT = COLUMNS.index("process"), COLUMNS.index("agent")


class KnownProcess(NamedTuple):
    """A process the caller may import into, as the checks and the staging rows need it."""

    id: int
    client_id: int
    channel: str
    zone: ZoneInfo
    day_cache: list  # [first, end, date] of the last local day seen (see `_local_day`)


class KnownAgent(NamedTuple):
    """An agent the caller's rows may name."""

    id: int
    team_id: int | None
    processes: frozenset[int]  # the ids of the processes the agent is staffed on


_NO_AGENT = (None, None, None)

# --- the checks, compiled from rules.py -----------------------------------------------------------


def check_record_source() -> str:
    """The source of `check_record(<the 16 fields>, process_found, agent_found)`, which returns
    (problems, values): the (column, message) errors of the record in CHECKS order, and the values
    of the typed fields in FIELDS order (meaningful when there are no problems). Each field's
    reader runs once; each check is an if/elif chain of its alternatives."""
    lines = [f"def check_record({', '.join(COLUMNS)}, process_found, agent_found):"]
    for field in TYPED:
        name = field.name
        lines.append(f"    {name}_value = read_{name}({name}) if {name} else {field.kind.empty!r}")
    lines.append("    problems = []")
    for rule in CHECKS:
        keyword = "if"
        for condition, template in rule.alternatives:
            lines.append(f"    {keyword} {condition.python()}:")
            lines.append(f"        problems.append(({rule.column!r}, {message_python(template, condition)}))")
            keyword = "elif"
    lines.append(f"    return problems, ({', '.join(f'{field.name}_value' for field in TYPED)},)")
    return "\n".join(lines) + "\n"


def _compile_check_record():
    source = check_record_source()
    filename = "<processes.imports.rules: check_record>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # readable tracebacks
    namespace = {"datetime": datetime, **{f"read_{field.name}": field.kind.read for field in TYPED}}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - source built from rules.py only
    return source, namespace["check_record"]


CHECK_SOURCE, check_record = _compile_check_record()

# --- staging rows ---------------------------------------------------------------------------------

_fromisoformat = datetime.fromisoformat
# The timestamps whose text `RowValidator._text` gives back unchanged (PostgreSQL; for SQLite,
# with +00:00, the same text with a space for the 'T' and without the offset).
_CANONICAL_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?[+-][0-9]{2}:[0-5][0-9]"
)


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
        self.processes = {
            p.code: KnownProcess(p.id, p.client_id, p.channel, ZoneInfo(p.timezone), [0, 0, ""])
            for p in importable_processes(user)
        }
        self.naive_utc_text = naive_utc_text
        self.agents: dict[str, KnownAgent] = {}
        staffing: dict[int, set[int]] = {}
        through = Agent.processes.through
        for agent_id, process_id in through.objects.values_list("agent_id", "process_id"):
            staffing.setdefault(agent_id, set()).add(process_id)
        for agent_id, code, team_id in nameable_agents(user).values_list("id", "code", "team_id"):
            self.agents[code] = KnownAgent(agent_id, team_id, frozenset(staffing.get(agent_id, ())))

    def _checked(self, line: int, values: list[str], report: ImportReport):
        """(typed values, process, agent) of a valid record, or None after reporting its errors."""
        process = self.processes.get(values[_PROCESS])
        agent_code = values[_AGENT]
        agent = self.agents.get(agent_code) if agent_code else None
        problems, typed = check_record(*values, process, agent)
        if problems:
            for column, message in problems:
                report.add_error(line, column, message)
            return None
        return typed, process, agent

    def validate(self, line: int, values: list[str], report: ImportReport) -> tuple | None:
        """The staging tuple for one record (16 stripped strings in COLUMNS order), or None after
        adding its errors to `report`.

        The row is `_validate_detailed`'s, with the slow datetime work replaced by equivalent
        shortcuts: the timestamp text taken from the input when it already has the output's form,
        and the local day from a per-process cache of the UTC span of the last local day seen
        (days without an offset change only).
        """
        checked = self._checked(line, values, report)
        if checked is None:
            return None
        (arrived, answered, ended, talk, hold, wrap, abandoned, resolved, csat), process, agent = checked
        (external_id, _, _, channel, direction, customer_ref, arrived_raw, answered_raw, ended_raw,
         _, _, _, _, _, _, disposition) = values  # fmt: skip
        process_id, client_id, default_channel, zone, day_cache = process
        agent_id, team_id, _ = agent or _NO_AGENT
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
            channel or default_channel,
            direction or DEFAULT_DIRECTION,
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

    def _validate_detailed(self, line: int, values: list[str], report: ImportReport) -> tuple | None:
        """`validate` without its shortcuts: the reference."""
        checked = self._checked(line, values, report)
        if checked is None:
            return None
        (arrived, answered, ended, talk, hold, wrap, abandoned, resolved, csat), process, agent = checked
        external_id, _, _, channel, direction, customer_ref = values[:6]
        disposition = values[-1]
        text = self._text
        return (
            line,
            process.id,
            process.client_id,
            external_id,
            None if agent is None else agent.id,
            None if agent is None else agent.team_id,
            channel or process.channel,
            direction or DEFAULT_DIRECTION,
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
            arrived.astimezone(process.zone).date().isoformat(),
            (arrived - _EPOCH) // _MICROSECOND,
            None if answered is None else (answered - arrived).total_seconds(),
            None if ended is None else (ended - arrived).total_seconds(),
        )

    def _text(self, moment: datetime) -> str:
        if self.naive_utc_text:
            return moment.astimezone(UTC).isoformat(" ")[:-6]  # without its "+00:00"
        if abs(moment.utcoffset()) >= _PG_OFFSET_LIMIT:  # PostgreSQL reads offsets up to ±15:59:59
            moment = moment.astimezone(UTC)
        return moment.isoformat()

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
