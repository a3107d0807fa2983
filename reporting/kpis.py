"""The KPI definitions of KPIS.md, in one place.

Two halves, each the only one of its kind in the code base:

1. `component_sql()` — how one interaction contributes to the additive components stored per
   (process, local day, agent, team) in `DailyKpi`: a count or sum over each interaction
   predicate of processes.predicates (where each is defined once, as SQL and as an ORM filter).
   It is SQL because aggregation happens in the database, set-based, over millions of rows. The
   QA components come from the evaluations (quality.components).
2. One function per KPI that turns summed components into the figure people see. Every rate over
   any range or grouping is computed here from sums, never as a mean of daily rates.

A rate whose denominator is 0 is undefined: these functions return None (shown as "—", null in
the API), never 0 or 100.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# The channels of KPIS.md "Channels: which figures apply", and which figure applies to which,
# are the metric registry's (bpo_portal.metrics); the predicates the component SQL counts
# (processes.predicates) read the same tuples.
from bpo_portal.metrics import BACKOFFICE_CHANNELS, FIGURE_KEYS
from processes import predicates
from quality.figures import qa_score  # the QA figure is quality's rule (qa_sum ÷ qa_count), used as is

# Bumped whenever a definition below changes meaning; reports record the version they used.
# 2026.2: TAT compliance counts back-office items only (it counted every handled, ended one).
# 2026.3: channel rules (KPIS.md "Channels: which figures apply"): queue figures from voice, chat
#         and email only; `received` counts inbound back-office items; TAT covers email and
#         back-office items.
KPI_DEFINITION_VERSION = "2026.3"


def headline_figure(channel: str) -> str:
    """The figure a process's trend is read by: service level for queue work, turnaround
    compliance for back-office work."""
    return "tat_compliance" if channel in BACKOFFICE_CHANNELS else "service_level"


def volume_name(channel: str) -> str:
    """The count a process's volume is read by: `offered` for queue work, `received` for
    back-office work."""
    return "received" if channel in BACKOFFICE_CHANNELS else "offered"


COMPONENTS = (
    "offered",
    "received",
    "short_abandoned",
    "abandoned",
    "answered",
    "answered_within",
    "abandoned_within",
    "handled",
    "handle_seconds",
    "wait_seconds",
    "sl_numerator",
    "sl_denominator",
    "fcr_eligible",
    "fcr_resolved",
    "csat_responses",
    "csat_top2",
    "csat_sum",
    "qa_count",
    "qa_sum",
    "tat_items",
    "tat_within",
)


def volume(c: Mapping) -> int:
    """Work arriving: inbound queue contacts offered plus inbound back-office items received.
    The volume a projection's pace and weekday pattern follow, whatever the channels."""
    return (c.get("offered") or 0) + (c.get("received") or 0)


def _rate(numerator, denominator) -> float | None:
    if not denominator:
        return None
    return numerator * 100.0 / denominator


# --- per-interaction contributions (SQL) ------------------------------------------------------------


def component_sql(alias: str = "i", settings: str = "p") -> dict[str, str]:
    """SQL expressions, one per component, summed over interactions `alias` joined to their
    process `settings` (whose columns hold the thresholds). Each counts the interactions of one
    predicate of processes.predicates (offered, received, short abandoned, abandoned, answered,
    answered/abandoned within, handled, FCR eligible/resolved, CSAT, TAT: KPIS.md's definitions,
    written there once and shared with the drill-down's lists); the service-level numerator and
    denominator follow the process's `sl_formula` (KPIS.md), so service levels over several
    processes remain a ratio of sums. Portable between PostgreSQL and SQLite.
    """
    i, p = alias, settings
    answered_within = predicates.ANSWERED_WITHIN.sql(i, p)
    abandoned_within = predicates.ABANDONED_WITHIN.sql(i, p)
    answered, abandoned = predicates.ANSWERED.sql(i, p), predicates.ABANDONED.sql(i, p)

    def count(predicate: predicates.Predicate) -> str:
        return f"SUM(CASE WHEN {predicate.sql(i, p)} THEN 1 ELSE 0 END)"

    def total(predicate: predicates.Predicate, value: str) -> str:
        return f"SUM(CASE WHEN {predicate.sql(i, p)} THEN {value} ELSE 0 END)"

    # Per interaction: service-level numerator and denominator of its process's formula.
    numerator = (
        f"CASE WHEN {p}.sl_formula = 'early_abandons_count_good'"
        f" THEN CASE WHEN {answered_within} OR {abandoned_within} THEN 1 ELSE 0 END"
        f" ELSE CASE WHEN {answered_within} THEN 1 ELSE 0 END END"
    )
    denominator = (
        f"CASE WHEN {answered} OR {abandoned} THEN"
        f" CASE WHEN {p}.sl_formula = 'exclude_early_abandons' AND {abandoned_within} THEN 0 ELSE 1 END"
        " ELSE 0 END"
    )
    return {
        "offered": count(predicates.OFFERED),
        "received": count(predicates.RECEIVED),
        "short_abandoned": count(predicates.SHORT_ABANDONED),
        "abandoned": count(predicates.ABANDONED),
        "answered": count(predicates.ANSWERED),
        "answered_within": count(predicates.ANSWERED_WITHIN),
        "abandoned_within": count(predicates.ABANDONED_WITHIN),
        "handled": count(predicates.HANDLED),
        "handle_seconds": total(predicates.HANDLED, f"({i}.talk_seconds + {i}.hold_seconds + {i}.wrap_seconds)"),
        "wait_seconds": total(predicates.ANSWERED, f"{i}.wait_seconds"),
        "sl_numerator": f"SUM({numerator})",
        "sl_denominator": f"SUM({denominator})",
        "fcr_eligible": count(predicates.FCR_ELIGIBLE),
        "fcr_resolved": count(predicates.FCR_RESOLVED),
        "csat_responses": count(predicates.CSAT_ANSWERED),
        "csat_top2": count(predicates.CSAT_TOP2),
        "csat_sum": total(predicates.CSAT_ANSWERED, f"{i}.csat"),
        "tat_items": count(predicates.TAT_ITEM),
        "tat_within": count(predicates.TAT_WITHIN),
    }


# --- figures from summed components -----------------------------------------------------------------


def aht(c: Mapping) -> float | None:
    """Average handle time, seconds: Σ(talk + hold + wrap) over handled ÷ handled."""
    return c["handle_seconds"] / c["handled"] if c["handled"] else None


def asa(c: Mapping) -> float | None:
    """Average speed of answer, seconds: Σ(answered_at − arrived_at) over answered ÷ answered."""
    return c["wait_seconds"] / c["answered"] if c["answered"] else None


def abandon_rate(c: Mapping) -> float | None:
    """Abandon rate, %: abandoned ÷ (answered + abandoned) × 100 (short abandons excluded)."""
    return _rate(c["abandoned"], c["answered"] + c["abandoned"])


def service_level_standard(c: Mapping) -> float | None:
    """Service level (`standard`), %: answered_within ÷ (answered + abandoned) × 100."""
    return _rate(c["answered_within"], c["answered"] + c["abandoned"])


def service_level_exclude_early_abandons(c: Mapping) -> float | None:
    """Service level (`exclude_early_abandons`), %:
    answered_within ÷ (answered + abandoned − abandoned_within) × 100."""
    return _rate(c["answered_within"], c["answered"] + c["abandoned"] - c["abandoned_within"])


def service_level_early_abandons_count_good(c: Mapping) -> float | None:
    """Service level (`early_abandons_count_good`), %:
    (answered_within + abandoned_within) ÷ (answered + abandoned) × 100."""
    return _rate(c["answered_within"] + c["abandoned_within"], c["answered"] + c["abandoned"])


SERVICE_LEVEL_BY_FORMULA = {
    "standard": service_level_standard,
    "exclude_early_abandons": service_level_exclude_early_abandons,
    "early_abandons_count_good": service_level_early_abandons_count_good,
}


def service_level(c: Mapping) -> float | None:
    """Service level, %, over any grouping: Σ sl_numerator ÷ Σ sl_denominator × 100.

    Each process contributes the numerator and denominator of its own `sl_formula` (stored per
    row by the engine), so a client's or team's service level across processes with different
    formulas is still a ratio of sums.
    """
    return _rate(c["sl_numerator"], c["sl_denominator"])


def fcr(c: Mapping) -> float | None:
    """First contact resolution, %: fcr_resolved ÷ fcr_eligible × 100 (repeat-contact method)."""
    return _rate(c["fcr_resolved"], c["fcr_eligible"])


def csat(c: Mapping) -> float | None:
    """CSAT, %: responses scoring 4 or 5 ÷ responses × 100 (top-2-box)."""
    return _rate(c["csat_top2"], c["csat_responses"])


def csat_mean(c: Mapping) -> float | None:
    """CSAT mean, 1..5: Σ score ÷ responses."""
    return c["csat_sum"] / c["csat_responses"] if c["csat_responses"] else None


def tat_compliance(c: Mapping) -> float | None:
    """Turnaround compliance (email and back office), %: handled email / back-office items with
    (ended − arrived) <= tat_hours ÷ handled email / back-office items with an end × 100;
    undefined for calls and chats (no such items: denominator 0)."""
    return _rate(c["tat_within"], c["tat_items"])


# Each figure of the metric registry (bpo_portal.metrics: label, unit, digits, words, channels)
# attached to the function computing it, in the order of the API's fields (API.md). A registry
# figure without a function, or a function without a registry entry, stops the import.
FIGURES = {
    "aht": aht,
    "asa": asa,
    "abandon_rate": abandon_rate,
    "service_level": service_level,
    "fcr": fcr,
    "csat": csat,
    "csat_mean": csat_mean,
    "qa_score": qa_score,
    "tat_compliance": tat_compliance,
}
if set(FIGURES) != set(FIGURE_KEYS):
    raise ImproperlyConfigured(
        f"reporting.kpis.FIGURES and the metric registry differ: {sorted(set(FIGURES) ^ set(FIGURE_KEYS))}"
    )


def figures(components: Mapping, *, digits: int | None = 2) -> dict[str, float | None]:
    """Every KPI figure from one set of summed components, rounded to `digits` (None = exact)."""
    result = {}
    for name, function in FIGURES.items():
        value = function(components)
        result[name] = value if value is None or digits is None else round(value, digits)
    return result


def empty_components() -> dict[str, float]:
    return dict.fromkeys(COMPONENTS, 0)
