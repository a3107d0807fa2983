"""The small vocabulary the checks of rules.py are written in: conditions on one record, each
rendered as Python (for python_path.py) and as SQL (for postgres_path.py), and message templates
rendered for both.

A condition is true when the record breaks the rule. It speaks of a record by these names, which
each path binds in its own way:

    <field>           the field's text, stripped ('' when the column is absent)
    <field>_value     of a typed field, in Python: its kind's reader's value (the kind's empty
                      value for empty text), or a str saying why the text does not read; in SQL
                      the column as COPY typed it (NULL when empty, or the kind's empty value)
    process_found     the process the `process` code names among those the caller may import
                      into (Python: `.id`), or None / NULL
    agent_found       the agent the `agent` code names among those the caller may name
                      (Python: `.processes`, the ids it is staffed on), or None / NULL
    agent_staffed     SQL only: not NULL when that agent is staffed on that process

In SQL a field name stands for its value, typed or text, as the raw table holds it: text fields
are never NULL there, typed ones are NULL when empty. Only `Before` can be NULL in SQL (a missing
timestamp), and a NULL condition counts as "no error", as in a CASE; `Not` is never put around
it. Message templates name fields as {field} (the text as given) and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Condition:
    def python(self) -> str:
        """A Python expression over the names above."""
        raise NotImplementedError

    def sql(self, x: dict[str, str], typed: set[str]) -> str | None:
        """An SQL condition, with `x[name]` the expression of each name above and `typed` the
        typed fields; None when the condition can never hold on the COPY path (said where)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Empty(Condition):
    """The field's text is empty (for a typed field: one whose empty value is NULL)."""

    name: str

    def python(self):
        return f"not {self.name}"

    def sql(self, x, typed):
        return f"{x[self.name]} IS NULL" if self.name in typed else f"{x[self.name]} = ''"


@dataclass(frozen=True)
class Given(Condition):
    """The field's text is not empty."""

    name: str

    def python(self):
        return self.name

    def sql(self, x, typed):
        return f"{x[self.name]} IS NOT NULL" if self.name in typed else f"{x[self.name]} <> ''"


@dataclass(frozen=True)
class Longer(Condition):
    """The text has more than `limit` characters."""

    name: str
    limit: int

    def python(self):
        return f"len({self.name}) > {self.limit}"

    def sql(self, x, typed):
        # octet_length first: no character count for the (usual) text that is short in bytes too.
        return f"(octet_length({x[self.name]}) > {self.limit} AND length({x[self.name]}) > {self.limit})"


@dataclass(frozen=True)
class NotIn(Condition):
    """The text is none of `allowed`."""

    name: str
    allowed: tuple[str, ...]

    def python(self):
        return f"{self.name} not in {set(self.allowed)!r}"

    def sql(self, x, typed):
        return f"{x[self.name]} NOT IN ({', '.join(_sql_text(value) for value in self.allowed)})"


@dataclass(frozen=True)
class Invalid(Condition):
    """The typed field's text does not read (its message is the reader's, see `PROBLEM`)."""

    name: str

    def python(self):
        return f"{self.name}_value.__class__ is str"

    def sql(self, x, typed):
        # Never on the COPY path: its byte patterns pass only text that the reader takes
        # (postgres_path._FAST_TYPED); any other record goes to the Python path.
        return None


@dataclass(frozen=True)
class Before(Condition):
    """Both timestamps read and the first is earlier than the second."""

    name: str
    other: str

    def python(self):
        a, b = f"{self.name}_value", f"{self.other}_value"
        return f"({a}.__class__ is datetime and {b}.__class__ is datetime and {a} < {b})"

    def sql(self, x, typed):
        return f"{x[self.name]} < {x[self.other]}"


@dataclass(frozen=True)
class IsTrue(Condition):
    """The boolean field reads as true."""

    name: str

    def python(self):
        return f"{self.name}_value is True"

    def sql(self, x, typed):
        return x[self.name]


@dataclass(frozen=True)
class Unknown(Condition):
    """The code names nothing the caller may use: `found` is process_found or agent_found."""

    found: str

    def python(self):
        return f"{self.found} is None"

    def sql(self, x, typed):
        return f"{x[self.found]} IS NULL"


@dataclass(frozen=True)
class Unstaffed(Condition):
    """The process and the agent are both known, and the agent is not staffed on the process."""

    def python(self):
        return (
            "(process_found is not None and agent_found is not None and process_found.id not in agent_found.processes)"
        )

    def sql(self, x, typed):
        return f"{x['process_found']} IS NOT NULL AND {x['agent_found']} IS NOT NULL AND {x['agent_staffed']} IS NULL"


@dataclass(frozen=True)
class Not(Condition):
    condition: Condition

    def python(self):
        return f"not ({self.condition.python()})"

    def sql(self, x, typed):
        return f"NOT ({self.condition.sql(x, typed)})"


class All(Condition):
    def __init__(self, *conditions: Condition):
        self.conditions = conditions

    def python(self):
        return "(" + " and ".join(c.python() for c in self.conditions) + ")"

    def sql(self, x, typed):
        return "(" + " AND ".join(c.sql(x, typed) for c in self.conditions) + ")"


# The message of an `Invalid` alternative: what the field's reader said.
PROBLEM = None


def message_python(template: str | None, condition: Condition) -> str:
    """A Python expression giving the message: an f-string of `template`, or for PROBLEM the
    reader's own message."""
    if template is PROBLEM:
        assert isinstance(condition, Invalid), "PROBLEM is the message of an Invalid condition"
        return f"{condition.name}_value"
    return ("f" if _placeholders(template) else "") + repr(template)


def message_sql(template: str, x: dict[str, str]) -> str:
    """An SQL expression giving the message: a literal, or format() with the fields' text."""
    names = _placeholders(template)
    literal = _sql_text(_PLACEHOLDER.sub("%s", template.replace("%", "%%")))
    if not names:
        return _sql_text(template)
    return f"format({literal}, {', '.join(x[name] for name in names)})"


def _placeholders(template: str) -> list[str]:
    names = _PLACEHOLDER.findall(template)
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        raise ValueError(f"a message template names fields as {{field}} only: {template!r}")
    return names


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
