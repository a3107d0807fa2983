"""The interaction predicates of KPIS.md, each defined once and rendered two ways: as SQL text over
an interaction alias and its process alias (`sql("i", "p")`: the KPI engine's components,
reporting.kpis.component_sql, and the ledger's repeat-contact flags, processes.ledger), and as a
Django `Q` over `Interaction` (`q()`: the drill-down's lists of the interactions behind a count,
dashboards.selectors.outcome_filter). So a list of "abandoned" contacts holds exactly the rows
the abandoned count counted.

A predicate is a small tree of the nodes below (a column is true, set, equal to or different
from a value, in a list, compared with a number or a setting of the interaction's process; all
of, any of, not), built once
at import. The SQL is portable between PostgreSQL and SQLite: booleans are used as predicates and
times are the numbers pre-derived on the interaction (`wait_seconds`, `duration_seconds`,
`arrived_us`). Every `All` is rendered in parentheses, so a predicate can be spliced anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q

from bpo_portal.metrics import BACKOFFICE_CHANNELS, QUEUE_CHANNELS, TAT_CHANNELS

# --- the nodes ------------------------------------------------------------------------------------------


class Predicate:
    """A condition on one interaction (and its process's settings)."""

    def sql(self, i: str = "i", p: str = "p") -> str:
        """SQL over interaction alias `i` joined to its process `p`."""
        raise NotImplementedError

    def q(self) -> Q:
        """The same condition as a filter on `Interaction` (settings through `process__`)."""
        raise NotImplementedError


@dataclass(frozen=True)
class IsTrue(Predicate):
    field: str

    def sql(self, i="i", p="p"):
        return f"{i}.{self.field}"

    def q(self):
        return Q(**{self.field: True})


@dataclass(frozen=True)
class IsSet(Predicate):
    field: str

    def sql(self, i="i", p="p"):
        return f"{i}.{self.field} IS NOT NULL"

    def q(self):
        return Q(**{f"{self.field}__isnull": False})


@dataclass(frozen=True)
class Equals(Predicate):
    field: str
    value: str

    def sql(self, i="i", p="p"):
        return f"{i}.{self.field} = {_literal(self.value)}"

    def q(self):
        return Q(**{self.field: self.value})


@dataclass(frozen=True)
class Differs(Predicate):
    field: str
    value: str

    def sql(self, i="i", p="p"):
        return f"{i}.{self.field} <> {_literal(self.value)}"

    def q(self):
        return ~Q(**{self.field: self.value})


@dataclass(frozen=True)
class In(Predicate):
    field: str
    values: tuple[str, ...]

    def sql(self, i="i", p="p"):
        return f"{i}.{self.field} IN ({', '.join(_literal(v) for v in self.values)})"

    def q(self):
        return Q(**{f"{self.field}__in": self.values})


@dataclass(frozen=True)
class Setting:
    """A column of the interaction's process, optionally scaled (`tat_hours` × 3600 seconds)."""

    name: str
    times: int = 1


_LOOKUPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


@dataclass(frozen=True)
class Compare(Predicate):
    """`field op bound`, the bound a number or a `Setting` of the process."""

    field: str
    op: str
    bound: int | Setting

    def sql(self, i="i", p="p"):
        bound = self.bound
        if isinstance(bound, Setting):
            bound = f"{p}.{bound.name}" + (f" * {bound.times}" if bound.times != 1 else "")
        return f"{i}.{self.field} {self.op} {bound}"

    def q(self):
        bound = self.bound
        if isinstance(bound, Setting):
            bound = F(f"process__{bound.name}") * bound.times if bound.times != 1 else F(f"process__{bound.name}")
        return Q(**{f"{self.field}__{_LOOKUPS[self.op]}": bound})


@dataclass(frozen=True)
class Not(Predicate):
    part: Predicate

    def sql(self, i="i", p="p"):
        return f"NOT {self.part.sql(i, p)}"

    def q(self):
        return ~self.part.q()


@dataclass(frozen=True)
class All(Predicate):
    parts: tuple[Predicate, ...]

    def __init__(self, *parts: Predicate):
        object.__setattr__(self, "parts", parts)

    def sql(self, i="i", p="p"):
        return "(" + " AND ".join(part.sql(i, p) for part in self.parts) + ")"

    def q(self):
        condition = self.parts[0].q()
        for part in self.parts[1:]:
            condition &= part.q()
        return condition


@dataclass(frozen=True)
class Any(Predicate):
    """At least one of the parts (SQL `OR`, in parentheses)."""

    parts: tuple[Predicate, ...]

    def __init__(self, *parts: Predicate):
        object.__setattr__(self, "parts", parts)

    def sql(self, i="i", p="p"):
        return "(" + " OR ".join(part.sql(i, p) for part in self.parts) + ")"

    def q(self):
        condition = self.parts[0].q()
        for part in self.parts[1:]:
            condition |= part.q()
        return condition


def _literal(value: str) -> str:
    """A fixed text of this module as an SQL string literal (never user input)."""
    return "'" + value.replace("'", "''") + "'"


# --- KPIS.md's predicates -------------------------------------------------------------------------------

# Inbound = direction 'inbound'; the counts are of inbound interactions except `handled`.
INBOUND = Equals("direction", "inbound")
# A queue contact offered (KPIS.md "Channels"): inbound voice, chat or email. Only these feed
# offered, answered, abandoned, short abandons, answered/abandoned within, the wait and the
# service level.
OFFERED = All(INBOUND, In("channel", QUEUE_CHANNELS))
# Back-office items count in `received` (inbound) instead.
RECEIVED = All(INBOUND, In("channel", BACKOFFICE_CHANNELS))
# Short abandon: abandoned and (ended − arrived) < short_abandon_seconds; left out of every
# figure but `offered` and `short_abandoned`, and never a repeat contact.
SHORT_ABANDON = All(IsTrue("abandoned"), Compare("duration_seconds", "<", Setting("short_abandon_seconds")))
SHORT_ABANDONED = All(OFFERED, SHORT_ABANDON)
ABANDONED = All(OFFERED, IsTrue("abandoned"), Not(SHORT_ABANDON))
ANSWERED = All(OFFERED, IsSet("answered_at"))
# Answered within: (answered − arrived) <= sl_threshold_seconds; late: beyond it (every answered
# contact has its wait).
ANSWERED_WITHIN = All(ANSWERED, Compare("wait_seconds", "<=", Setting("sl_threshold_seconds")))
ANSWERED_LATE = All(ANSWERED, Compare("wait_seconds", ">", Setting("sl_threshold_seconds")))
# Abandoned within: abandoned (not short) and (ended − arrived) <= sl_threshold_seconds.
ABANDONED_WITHIN = All(ABANDONED, Compare("duration_seconds", "<=", Setting("sl_threshold_seconds")))
# Handled: answered_at set, inbound and outbound.
HANDLED = All(IsSet("answered_at"))
# FCR: eligible = handled, inbound, with a customer reference; resolved = eligible without a
# repeat contact (`has_repeat`, kept per interaction by the ledger by `repeat_contact_sql`'s rule).
FCR_ELIGIBLE = All(HANDLED, INBOUND, Differs("customer_ref", ""))
REPEATED = All(FCR_ELIGIBLE, IsTrue("has_repeat"))
FCR_RESOLVED = All(FCR_ELIGIBLE, Not(IsTrue("has_repeat")))
CSAT_ANSWERED = IsSet("csat")
CSAT_TOP2 = Compare("csat", ">=", 4)
# TAT: handled asynchronous items (email, back office) with an end; within when the elapsed time
# <= tat_hours: the open time by the process's service calendar (`open_seconds`, kept by
# processes.open_time) when it has one, else (ended − arrived). Calls and chats have no
# turnaround target.
TAT_ITEM = All(HANDLED, In("channel", TAT_CHANNELS), IsSet("ended_at"))
_TAT_BOUND = Setting("tat_hours", times=3600)
TAT_WITHIN = All(
    TAT_ITEM,
    Any(
        All(IsSet("open_seconds"), Compare("open_seconds", "<=", _TAT_BOUND)),
        All(Not(IsSet("open_seconds")), Compare("duration_seconds", "<=", _TAT_BOUND)),
    ),
)


# --- the repeat-contact rule ----------------------------------------------------------------------------


def fcr_window_us(p: str = "p") -> str:
    """SQL: the FCR window of process `p` in microseconds (exact days of 86,400 s)."""
    return f"{p}.fcr_window_days * 86400000000"


def repeat_contact_sql(i: str = "i", p: str = "p") -> str:
    """SQL predicate: interaction `i` has a repeat contact (KPIS.md, FCR repeat-contact method).

    True when another interaction j of the same process and the same customer_ref, not a short
    abandon, has arrived_i < arrived_j <= arrived_i + fcr_window_days. Stored per interaction as
    `has_repeat` by the ledger (processes.ledger: for the interactions an import can affect, and
    after a setting change or as a repair), with an equivalent window pass over the same
    `SHORT_ABANDON` and `fcr_window_us`, so that daily aggregation needs no per-row subquery. This
    per-row form is the reference the tests compare the flags with; there is no index by customer
    to run it fast at volume.
    """
    return (
        "EXISTS (SELECT 1 FROM processes_interaction j"
        f" WHERE j.process_id = {i}.process_id AND j.customer_ref = {i}.customer_ref"
        f" AND j.arrived_us > {i}.arrived_us AND j.arrived_us <= {i}.arrived_us + {fcr_window_us(p)}"
        f" AND NOT {SHORT_ABANDON.sql('j', p)})"
    )
