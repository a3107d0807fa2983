"""The QA figures, defined once (KPIS.md "Quality score"): what a set of current evaluations
(status `final`: not superseded by an amendment, not voided) shows as QA score, accuracy and
fatal rate, from sums over those evaluations.

Two readers sum them: the KPI engine per (process, local day, agent, team) from the QA
components of `quality.components.qa_components_sql` (`qa_count`, `qa_sum`), read back through
`qa_score` below (reporting.kpis.FIGURES["qa_score"]); and the quality pages per process or month
from the ORM (`quality.selectors`). Every figure over any range or grouping is a ratio of sums,
never a mean of daily or per-agent figures; with nothing to divide by it is undefined (None,
shown as "—"), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping


def mean_score(score_sum: float, count: int) -> float | None:
    """QA score, 0..100: Σ score ÷ number of current evaluations; None without evaluations."""
    return score_sum / count if count else None


def qa_score(c: Mapping) -> float | None:
    """Quality score, 0..100, from summed QA components: qa_sum ÷ qa_count (`mean_score`): the
    mean of the evaluation scores of the period's interactions."""
    return mean_score(c["qa_sum"], c["qa_count"])


def accuracy(error_free: int, audited: int) -> float | None:
    """Back-office accuracy, %: audited back-office items without any error ÷ audited back-office
    items × 100; None when none was audited (calls and chats have a QA score, not an accuracy)."""
    return error_free * 100.0 / audited if audited else None


def fatal_rate(fatal: int, count: int) -> float | None:
    """Fatal rate, %: current evaluations that failed a fatal criterion ÷ current evaluations ×
    100; None without evaluations."""
    return fatal * 100.0 / count if count else None
