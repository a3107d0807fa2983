"""Scoped reads of the quality app, and the QA components for the KPI engine.

`quality.selectors` is one room in four parts: evaluations (with disputes, scorecards and the
week's sample), aggregates (QA figures per process and month, criterion failure rates), coaching
and calibration. Every reader takes the caller (`user`) and stays inside their scope; the names
below are the room's public reads, imported from the part that defines them.

Evaluation rows follow `Evaluation.visible_to(user)` (QA analysts: their processes; team
leaders: their agents; agents: their own; client users: none). Aggregates (QA score, accuracy,
criterion failure rates) are open to client users for their own client's processes, without
evaluation detail or agent names.
"""

from __future__ import annotations

from quality.selectors.aggregates import (
    AgentQuality,
    CriterionRate,
    accuracy,
    agent_qa_history,
    agent_quality,
    criterion_failure_rates,
    evaluation_mean,
    qa_summary_by_process,
    qa_trend,
)
from quality.selectors.calibration import (
    CalibrationPage,
    CalibrationStats,
    CriterionAgreement,
    EvaluatorDeviation,
    calibration_list,
    calibration_page,
    calibration_stats,
    evaluator_deviation_table,
    evaluator_deviation_trend,
)
from quality.selectors.coaching import coaching_initial, coaching_list, coaching_open_for_agent
from quality.selectors.evaluations import (
    EvaluationListing,
    EvaluationPage,
    ScorecardPage,
    dispute_answers,
    dispute_list,
    evaluation_agents,
    evaluation_answers,
    evaluation_awaiting_list,
    evaluation_current_for,
    evaluation_find,
    evaluation_get,
    evaluation_history,
    evaluation_list,
    evaluation_listing,
    evaluation_page,
    evaluation_process_pick,
    evaluation_processes,
    interaction_find,
    interaction_list,
    interaction_search,
    notification_list,
    open_disputes_for_reviewer,
    sample_for_week,
    scorecard_list,
    scorecard_page,
    with_dispute_state,
)
from reporting.kpis import qa_component_sql

# --- the KPI engine's QA components ----------------------------------------------------------------

QA_COMPONENT_COLUMNS = (
    "process_id",
    "client_id",
    "local_date",
    "agent_id",
    "team_id",
    "qa_count",
    "qa_sum",
    "qa_error_free",
)


def qa_components_sql(*, all_processes: bool = False) -> str:
    """SQL (SQLite and PostgreSQL) yielding the QA components per (process, client, local day,
    agent, team) from the current evaluations: one row per group with

    - `qa_count`: number of current evaluations (status `final`: not superseded by an
      amendment, not voided) of interactions of that group,
    - `qa_sum`: the sum of their scores (0..100 each; KPIS.md's QA score = qa_sum ÷ qa_count),
    - `qa_error_free`: how many of them lost no points on any applicable criterion (accuracy =
      qa_error_free ÷ qa_count, the back-office "items without any error" share).

    The key columns come from the evaluated interaction (`processes_interaction`), exactly as the
    engine groups interactions, so every QA group matches an interaction group (LEFT JOIN safe).
    Parameters, named like the engine's: `%(process)s` (omitted when `all_processes`),
    `%(start)s`, `%(end)s` (inclusive local dates).
    """
    # The definition lives with the other KPI definitions (reporting.kpis); only fixed text is
    # spliced in, values travel as parameters.
    where = "i.local_date BETWEEN %(start)s AND %(end)s"
    return qa_component_sql(where if all_processes else f"i.process_id = %(process)s AND {where}")


__all__ = [
    "QA_COMPONENT_COLUMNS",
    "qa_components_sql",
    # evaluations
    "EvaluationListing",
    "EvaluationPage",
    "ScorecardPage",
    "dispute_answers",
    "dispute_list",
    "evaluation_agents",
    "evaluation_answers",
    "evaluation_awaiting_list",
    "evaluation_current_for",
    "evaluation_find",
    "evaluation_get",
    "evaluation_history",
    "evaluation_list",
    "evaluation_listing",
    "evaluation_page",
    "evaluation_process_pick",
    "evaluation_processes",
    "interaction_find",
    "interaction_list",
    "interaction_search",
    "notification_list",
    "open_disputes_for_reviewer",
    "sample_for_week",
    "scorecard_list",
    "scorecard_page",
    "with_dispute_state",
    # aggregates
    "AgentQuality",
    "CriterionRate",
    "accuracy",
    "agent_qa_history",
    "agent_quality",
    "criterion_failure_rates",
    "evaluation_mean",
    "qa_summary_by_process",
    "qa_trend",
    # coaching
    "coaching_initial",
    "coaching_list",
    "coaching_open_for_agent",
    # calibration
    "CalibrationPage",
    "CalibrationStats",
    "CriterionAgreement",
    "EvaluatorDeviation",
    "calibration_list",
    "calibration_page",
    "calibration_stats",
    "evaluator_deviation_table",
    "evaluator_deviation_trend",
]
