"""The metric registry: every figure and count the portal shows, declared once.

Each `Metric` holds what a reader of any page, export, report, e-mail or the API sees of it: its
key (the API's field name), its label (in a sentence or a table row), its short label (a column
header), its caption (a tile or a chart legend), its unit and display digits, its formula in
words, and the channels it applies to (KPIS.md, "Channels: which figures apply"). The entries
are declared in the order of that section: the queue counts and figures, back-office volume,
turnaround, then what covers every channel.

How a figure is computed from summed components is the KPI engine's (`reporting.kpis.FIGURES`,
attached to these keys and checked against them when it is imported); a count is a component
itself. Pages list the keys they show, in their own order, and read everything else here.

This module imports nothing of the portal but `bpo_portal.units`: every app may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from bpo_portal import units
from bpo_portal.units import COUNT, DURATION, MEAN, PERCENT, SCORE

# KPIS.md, "Channels: which figures apply". Queue contacts feed the queue figures; back-office
# items their own volume (`received`); turnaround covers asynchronous work.
QUEUE_CHANNELS = ("voice", "chat", "email")
BACKOFFICE_CHANNELS = ("backoffice",)
TAT_CHANNELS = ("email", "backoffice")
EVERY_CHANNEL = QUEUE_CHANNELS + BACKOFFICE_CHANNELS

# Why a figure reads "n/a" for a process whose channels it does not cover.
NOT_APPLICABLE = {
    QUEUE_CHANNELS: "A queue figure: calls, chats and emails only, not back-office items",
    BACKOFFICE_CHANNELS: "Back-office items only",
    TAT_CHANNELS: "Turnaround applies to email and back-office work, not calls or chats",
}

SL_FORMULAS = {
    "standard": "answered within {threshold} ÷ (answered + abandoned)",
    "exclude_early_abandons": "answered within {threshold} ÷ (answered + abandoned − abandoned within {threshold})",
    "early_abandons_count_good": (
        "(answered within {threshold} + abandoned within {threshold}) ÷ (answered + abandoned)"
    ),
}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # in a sentence or a table row
    short: str  # a column header
    unit: str  # a unit code of bpo_portal.units
    channels: tuple[str, ...]  # the channels it applies to
    formula: str = ""  # in words; {threshold}, {short_abandon}, {fcr_days}, {tat_hours} take the process's settings
    tile: str = ""  # a tile's caption or a chart's legend, when it is not the short label
    target: str = ""  # the choice an SLA target on it is set by (forms, admin); "" = no target on it

    @property
    def name(self) -> str:
        return self.key

    @property
    def caption(self) -> str:
        return self.tile or self.short

    @property
    def is_count(self) -> bool:
        return self.unit == COUNT

    @property
    def digits(self) -> int:
        """Decimals shown on pages, the PDF and e-mails (the API publishes two: kpis.figures)."""
        return units.DIGITS[self.unit]

    @property
    def not_applicable(self) -> str:
        """Why the figure reads "n/a" for a process whose channels it does not cover."""
        return NOT_APPLICABLE.get(self.channels, "Not applicable")

    def applies(self, channels) -> bool:
        """Whether the metric applies to work in any of `channels`."""
        return any(channel in self.channels for channel in channels)

    def words(self, process=None) -> str:
        """The formula in words with the process's settings (generic words without a process)."""
        if self.key == "service_level":
            text = SL_FORMULAS.get(getattr(process, "sl_formula", None) or "standard", SL_FORMULAS["standard"])
        else:
            text = self.formula
        return text.format(**_settings(process))

    def format(self, value) -> str:
        return units.figure(value, self.unit)


def _settings(process) -> dict:
    def get(name, suffix, fallback):
        value = getattr(process, name, None)
        return fallback if value is None else f"{value:g}{suffix}" if isinstance(value, float) else f"{value}{suffix}"

    return {
        "threshold": get("sl_threshold_seconds", " s", "the threshold"),
        "short_abandon": get("short_abandon_seconds", " s", "the short-abandon limit"),
        "fcr_days": get("fcr_window_days", " days", "the FCR window"),
        "tat_hours": get("tat_hours", " h", "the turnaround target"),
    }


REGISTRY = [
    # Queue contacts (voice, chat, email).
    Metric("offered", "Offered (inbound calls, chats and emails)", "Offered", COUNT, QUEUE_CHANNELS),
    Metric("answered", "Answered", "Answered", COUNT, QUEUE_CHANNELS),
    Metric("abandoned", "Abandoned", "Abandoned", COUNT, QUEUE_CHANNELS),
    Metric("short_abandoned", "Short abandons (left out of every figure)", "Short abandons", COUNT, QUEUE_CHANNELS),
    Metric(
        "asa",
        "Average speed of answer",
        "ASA",
        DURATION,
        QUEUE_CHANNELS,
        "total wait of answered contacts ÷ answered",
        target="Average speed of answer (s)",
    ),
    Metric(
        "abandon_rate",
        "Abandon rate",
        "Abandon",
        PERCENT,
        QUEUE_CHANNELS,
        "abandoned ÷ (answered + abandoned)",
        tile="Abandon rate",
        target="Abandon rate (%)",
    ),
    Metric(
        "service_level", "Service level", "Service level", PERCENT, QUEUE_CHANNELS, target="Service level (%)"
    ),  # words: SL_FORMULAS
    # Back-office items.
    Metric("received", "Received (back-office items)", "Received", COUNT, BACKOFFICE_CHANNELS),
    # Asynchronous work (email, back office).
    Metric(
        "tat_compliance",
        "Turnaround compliance",
        "TAT",
        PERCENT,
        TAT_CHANNELS,
        "email and back-office items completed within {tat_hours} ÷ items completed",
        tile="TAT compliance",
        target="Turnaround compliance (%)",
    ),
    # Every channel.
    Metric("handled", "Handled (incl. outbound)", "Handled", COUNT, EVERY_CHANNEL),
    Metric(
        "aht",
        "Average handle time",
        "AHT",
        DURATION,
        EVERY_CHANNEL,
        "total talk, hold and wrap-up time ÷ handled (incl. outbound)",
        target="Average handle time (s)",
    ),
    Metric(
        "fcr",
        "First contact resolution",
        "FCR",
        PERCENT,
        EVERY_CHANNEL,
        "contacts with no repeat contact by the same customer within {fcr_days} ÷ handled contacts with a customer",
        target="First contact resolution (%)",
    ),
    Metric(
        "csat",
        "CSAT (top-2-box)",
        "CSAT",
        PERCENT,
        EVERY_CHANNEL,
        "survey answers of 4 or 5 ÷ survey answers",
        target="CSAT top-2-box (%)",
    ),
    Metric(
        "csat_mean",
        "CSAT mean (1–5)",
        "CSAT mean",
        MEAN,
        EVERY_CHANNEL,
        "sum of survey answers (1–5) ÷ survey answers",
        target="CSAT mean (1-5)",
    ),
    Metric(
        "qa_score",
        "Quality score (0–100)",
        "QA",
        SCORE,
        EVERY_CHANNEL,
        "sum of evaluation scores ÷ evaluations (a failed critical criterion scores 0)",
        tile="QA score",
        target="Quality score (0-100)",
    ),
]
METRICS = {m.key: m for m in REGISTRY}

# The counts beside the figures, in the order every table and the API read them.
COUNTS = ("offered", "received", "answered", "abandoned", "short_abandoned", "handled")
# The figures (rates, averages, scores) computed from summed components by reporting.kpis.
FIGURE_KEYS = tuple(m.key for m in REGISTRY if not m.is_count)
# The figures of a client report and its pages, in reading order.
READING_ORDER = (
    "service_level",
    "abandon_rate",
    "asa",
    "aht",
    "fcr",
    "csat",
    "csat_mean",
    "qa_score",
    "tat_compliance",
)
# The metrics an SLA target can be set on (KPIS.md), in the order forms offer them.
SLA_METRICS = (
    "service_level",
    "abandon_rate",
    "aht",
    "asa",
    "fcr",
    "csat",
    "csat_mean",
    "qa_score",
    "tat_compliance",
)
if set(SLA_METRICS) != {m.key for m in REGISTRY if m.target}:
    raise ImproperlyConfigured("SLA_METRICS must list every metric with a target label once")
if set(COUNTS) != {m.key for m in REGISTRY if m.is_count} or sorted(READING_ORDER) != sorted(FIGURE_KEYS):
    raise ImproperlyConfigured("COUNTS and READING_ORDER must list every count and figure of the registry once")


def metric(key: str) -> Metric:
    return METRICS[key]


def select(*keys: str) -> list[Metric]:
    """The metrics of `keys`, in that order (a page's columns or tiles)."""
    return [METRICS[key] for key in keys]


def applies(key: str, channels) -> bool:
    """Whether `key` (a figure or a count) applies to work in any of `channels` (KPIS.md);
    a name outside the registry always does."""
    definition = METRICS.get(key)
    return definition is None or definition.applies(channels)


def applicable(channels) -> list[str]:
    """The keys that apply to work in `channels`, in registry order."""
    return [m.key for m in REGISTRY if m.applies(channels)]


def label(key: str) -> str:
    """The label of a metric or count; the key itself for a name outside the registry."""
    definition = METRICS.get(key)
    return definition.label if definition else key


def unit(key: str) -> str:
    """The unit of a metric; a name outside the registry is a count."""
    definition = METRICS.get(key)
    return definition.unit if definition else COUNT


def metric_figure(value, key: str) -> str:
    """A metric's value in its unit ("19:05", "81.4 %"); counts and unknown names as counts."""
    return units.figure(value, unit(key))


def metric_gap(value, key: str) -> str:
    return units.gap(value, unit(key))


def metric_target(comparator_value, value, key: str) -> str:
    return units.target(comparator_value, value, unit(key))
