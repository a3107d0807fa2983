"""Scoped reads of the quality app (the KPI engine's QA components are quality.components).

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

__all__ = [
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
