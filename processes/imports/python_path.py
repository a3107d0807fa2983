"""The Python path of the interaction import: RowValidator checks one record at a time (SQLite,
the bulk API, and the records the COPY path leaves to Python)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from agents.models import Agent
from bpo_portal.parsing import MAX_UTC_OFFSET as _MAX_OFFSET
from bpo_portal.parsing import MIN_UTC_OFFSET as _MIN_OFFSET
from bpo_portal.parsing import offset_problem
from processes.imports.report import ImportReport
from processes.imports.scope import importable_processes, nameable_agents
from processes.models import Channel, Direction

MAX_SECONDS = 2_147_483_647
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PG_OFFSET_LIMIT = timedelta(hours=16)
_CSAT = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_TRUE = {"true", "1"}
_FALSE = {"false", "0", ""}
_CHANNELS = set(Channel.values)
_DIRECTIONS = set(Direction.values)


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
