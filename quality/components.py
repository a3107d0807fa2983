"""The QA components of the KPI engine (KPIS.md, "Quality score"), defined here, with the
evaluations they count: per (process, client, local day, agent, team), how many current
evaluations there are, the sum of their scores and how many lost no points. The engine
(reporting.engine) joins them to the interaction components; the figures read from them are
quality.figures'. Only fixed text is spliced into the SQL, values travel as parameters.
"""

from __future__ import annotations

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


def qa_component_sql(where: str) -> str:
    """SQL: the QA components (KPIS.md, "Quality score") per (process, client, local day, agent,
    team) of the interactions matching `where` (alias `i`): `qa_count` current evaluations
    (status `final`: not superseded by an amendment, not voided), `qa_sum` the sum of their
    scores (0..100), and `qa_error_free` how many lost no points (the back-office accuracy of the
    quality pages). An evaluation counts on the day and for the agent of the interaction it
    scored, so every QA group is also an interaction group."""
    return (
        "SELECT i.process_id AS process_id, i.client_id AS client_id, i.local_date AS local_date,"
        " i.agent_id AS agent_id, i.team_id AS team_id, COUNT(*) AS qa_count, SUM(e.score) AS qa_sum,"
        " SUM(CASE WHEN e.error_free THEN 1 ELSE 0 END) AS qa_error_free"
        " FROM quality_evaluation e JOIN processes_interaction i ON i.id = e.interaction_id"
        f" WHERE e.status = 'final' AND {where}"
        " GROUP BY i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id"
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
    where = "i.local_date BETWEEN %(start)s AND %(end)s"
    return qa_component_sql(where if all_processes else f"i.process_id = %(process)s AND {where}")
