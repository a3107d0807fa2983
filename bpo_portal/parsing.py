"""Input the database or a parser could choke on, recognised in one place.

- Text: PostgreSQL `text` cannot store the NUL character, and UTF-8 cannot encode a lone
  surrogate (JSON may spell one as `\\ud800`); either reaching a query is a server error.
  `unstorable_character` finds them; the request middleware and the API's JSON parser refuse them
  with a 400 before any view runs.
- Timestamps: ISO-8601 with a UTC offset that a real zone uses. The zone database's offsets run
  from −12:00 (Baker Island) to +14:00 (Kiribati); `+19:31` is no zone's, and PostgreSQL refuses
  offsets from ±16:00 with an error. `parse_aware_datetime` is the one reader of such text for the
  API's filters and the interaction import (which also has a byte pattern with the same range).
"""

import re
from datetime import date, datetime, timedelta

MIN_UTC_OFFSET = timedelta(hours=-12)
MAX_UTC_OFFSET = timedelta(hours=14)
OFFSET_RANGE_TEXT = "−12:00 to +14:00"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """A description of the first character of `text` that cannot be stored ("NUL (U+0000)",
    "lone surrogate U+D800"), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    return "NUL (U+0000)" if code == 0 else f"lone surrogate U+{code:04X}"


def offset_text(offset: timedelta) -> str:
    """An offset as "+05:30" / "−19:31" (a true minus sign, seconds shown only when present)."""
    seconds = int(offset.total_seconds())
    sign = "−" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def offset_problem(moment: datetime) -> str | None:
    """Why the UTC offset of the aware `moment` is not one a real zone uses, or None."""
    offset = moment.utcoffset()
    if offset is None or MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
        return None
    return f"the UTC offset {offset_text(offset)} is not used by any time zone (offsets run {OFFSET_RANGE_TEXT})"


def parse_aware_datetime(value: str) -> datetime:
    """An aware datetime from ISO-8601 text with an offset or Z; ValueError with a message that
    quotes the value otherwise (not ISO-8601, no offset, an offset no zone uses)."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is not an ISO-8601 timestamp (e.g. 2026-10-01T09:00:00+05:30)") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"'{value}' has no UTC offset: add one such as +05:30 or Z")
    problem = offset_problem(parsed)
    if problem:
        raise ValueError(f"'{value}': {problem}")
    return parsed


# --- calendar dates from parameters ----------------------------------------------------------------
# A page computes the day before and after, a week around, a month's days: a date at the ends of
# Python's calendar (0001-01-01, 9999-12-31) overflows. The portal's dates are within these years.
FIRST_DATE_YEAR, LAST_DATE_YEAR = 1900, 2999


def parse_calendar_date(value: str):
    """A `date` from `YYYY-MM-DD` within FIRST_DATE_YEAR … LAST_DATE_YEAR; ValueError otherwise."""

    parsed = date.fromisoformat(value.strip())
    if not FIRST_DATE_YEAR <= parsed.year <= LAST_DATE_YEAR:
        raise ValueError(f"'{value}' is outside the years {FIRST_DATE_YEAR}–{LAST_DATE_YEAR}")
    return parsed
