"""The interaction import's format (IMPORT_FORMAT.md) as data, written once: the fields, how each
kind of value reads, and the checks of a record in the order their messages are listed.

Both paths are derived from it. python_path.py compiles FIELDS and CHECKS into one Python
function that reads and checks a record; postgres_path.py renders CHECKS as SQL CASE expressions
(and their negation as the validity test) over the raw table that COPY filled. Messages are
templates rendered by both (conditions.py). What SQL cannot do is said where it happens: a typed
value that does not read never reaches SQL, because the COPY path's byte patterns only pass text
these readers take (postgres_path._FAST_TYPED, which writes the readers' years and offsets again
as patterns). tests/test_imports_pg.py checks that both paths give the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bpo_portal.parsing import MAX_UTC_OFFSET, MIN_UTC_OFFSET, offset_problem
from processes.imports.conditions import (
    PROBLEM,
    All,
    Before,
    Condition,
    Empty,
    Given,
    Invalid,
    IsTrue,
    Longer,
    Not,
    NotIn,
    Unknown,
    Unstaffed,
)
from processes.models import Channel, Direction

# --- how each kind of value reads ---------------------------------------------------------------

MAX_SECONDS = 2_147_483_647
FIRST_YEAR, LAST_YEAR = 1000, 2999  # beyond these, converting to UTC or a local day can leave the calendar
_SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_fromisoformat = datetime.fromisoformat


def read_timestamp(text: str) -> datetime | str:
    """An aware datetime, or why not."""
    try:
        parsed = _fromisoformat(text)
    except ValueError:
        return f"'{text}' is not an ISO-8601 timestamp (e.g. 2026-10-01T09:00:00+05:30)"
    offset = parsed.utcoffset()
    if offset is None:
        return f"'{text}' has no UTC offset: add one such as +05:30 or Z (naive timestamps are rejected)"
    if not MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:  # an offset no time zone uses
        return f"'{text}': {offset_problem(parsed)}"
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        return f"'{text}' is outside the years {FIRST_YEAR}–{LAST_YEAR}"
    return parsed


def read_seconds(text: str) -> int | str:
    """A whole number of seconds ≥ 0 that PostgreSQL's integer holds, or why not."""
    if not text.isdigit():
        return f"'{text}' is not a whole number of seconds ≥ 0"
    number = int(text)
    if number > MAX_SECONDS:
        return f"{text} is too large"
    return number


def read_flag(text: str) -> bool | str:
    """`true` `false` `1` `0`, any case."""
    text = text.lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return f"'{text}' is not true, false, 1 or 0"


def read_optional_flag(text: str) -> bool | str:
    """`true` `false` `1` `0`, any case (empty: unknown)."""
    text = text.lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return f"'{text}' is not true, false, 1, 0 or empty"


def read_score(text: str) -> int | str:
    """A CSAT score, 1 to 5."""
    score = _SCORES.get(text)
    return f"'{text}' is not a whole number from 1 to 5" if score is None else score


@dataclass(frozen=True)
class Kind:
    """How a field's text reads. `read` takes non-empty stripped text and gives the value or a
    str saying why not (None: the text is the value); `empty` is the value of empty text;
    `sql_type` is the column type COPY reads the text into (PostgreSQL parses it itself), with
    `sql_empty` the SQL for `empty` when that is not NULL."""

    read: Callable[[str], object] | None = None
    empty: object = None
    sql_type: str = "text"
    sql_empty: str | None = None


TEXT = Kind(empty="")
TIMESTAMP = Kind(read_timestamp, sql_type="timestamptz")
SECONDS = Kind(read_seconds, empty=0, sql_type="integer", sql_empty="0")
FLAG = Kind(read_flag, empty=False, sql_type="boolean", sql_empty="false")
OPTIONAL_FLAG = Kind(read_optional_flag, sql_type="boolean")
SCORE = Kind(read_score, sql_type="smallint")

# --- the fields ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A column of the file (a key of a JSON record). `required`: the header must have it."""

    name: str
    kind: Kind = TEXT
    required: bool = False


FIELDS = (
    Field("external_id", required=True),
    Field("process", required=True),
    Field("agent"),
    Field("channel"),  # empty: the process's channel
    Field("direction"),  # empty: DEFAULT_DIRECTION
    Field("customer_ref"),
    Field("arrived_at", TIMESTAMP, required=True),
    Field("answered_at", TIMESTAMP),
    Field("ended_at", TIMESTAMP),
    Field("talk_seconds", SECONDS),
    Field("hold_seconds", SECONDS),
    Field("wrap_seconds", SECONDS),
    Field("abandoned", FLAG),
    Field("resolved", OPTIONAL_FLAG),
    Field("csat", SCORE),
    Field("disposition"),
)
COLUMNS = tuple(f.name for f in FIELDS)
REQUIRED_COLUMNS = tuple(f.name for f in FIELDS if f.required)
TYPED = tuple(f for f in FIELDS if f.kind.read is not None)
DEFAULT_DIRECTION = Direction.INBOUND.value
CHANNELS = tuple(sorted(Channel.values))
DIRECTIONS = tuple(Direction.values)

# --- the checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """The rules of one column at one place in the order of a record's messages: alternatives
    (condition, message template), of which the first whose condition holds gives the error."""

    column: str
    alternatives: tuple[tuple[Condition, str | None], ...]


def check(column: str, *alternatives: tuple[Condition, str | None]) -> Check:
    return Check(column, alternatives)


_SERVED = All(Not(IsTrue("abandoned")), Given("agent"))  # an agent named on a contact not abandoned
_LONGER = "longer than 100 characters"

CHECKS = (
    check("external_id", (Empty("external_id"), "required"), (Longer("external_id", 100), _LONGER)),
    check(
        "process",
        (Empty("process"), "required"),
        (Unknown("process_found"), "no process '{process}' that you may import into"),
    ),
    check("channel", (NotIn("channel", ("", *CHANNELS)), "'{channel}' is not one of " + ", ".join(CHANNELS))),
    check("direction", (NotIn("direction", ("", *DIRECTIONS)), "'{direction}' is not inbound or outbound")),
    check("customer_ref", (Longer("customer_ref", 100), _LONGER)),
    check("disposition", (Longer("disposition", 100), _LONGER)),
    check("arrived_at", (Empty("arrived_at"), "required"), (Invalid("arrived_at"), PROBLEM)),
    check(
        "answered_at",
        (Invalid("answered_at"), PROBLEM),
        (Before("answered_at", "arrived_at"), "is before arrived_at"),
    ),
    check(
        "ended_at",
        (Invalid("ended_at"), PROBLEM),
        (Before("ended_at", "answered_at"), "is before answered_at"),
        (Before("ended_at", "arrived_at"), "is before arrived_at"),
    ),
    check("talk_seconds", (Invalid("talk_seconds"), PROBLEM)),
    check("hold_seconds", (Invalid("hold_seconds"), PROBLEM)),
    check("wrap_seconds", (Invalid("wrap_seconds"), PROBLEM)),
    check("abandoned", (Invalid("abandoned"), PROBLEM)),
    check("resolved", (Invalid("resolved"), PROBLEM)),
    check(
        "csat",
        (Invalid("csat"), PROBLEM),
        (All(Given("csat"), Empty("answered_at")), "only answered interactions can have a CSAT score"),
    ),
    check("answered_at", (All(IsTrue("abandoned"), Given("answered_at")), "must be empty when abandoned")),
    check("agent", (All(IsTrue("abandoned"), Given("agent")), "must be empty when abandoned")),
    check(
        "ended_at",
        (All(IsTrue("abandoned"), Empty("ended_at")), "required when abandoned (when the customer left)"),
    ),
    check(
        "agent",
        (All(Not(IsTrue("abandoned")), Given("answered_at"), Empty("agent")), "required when answered_at is set"),
    ),
    check(
        "agent",
        (All(_SERVED, Unknown("agent_found")), "no agent '{agent}'"),
        (All(_SERVED, Unstaffed()), "agent {agent} is not staffed on process {process}"),
    ),
)
