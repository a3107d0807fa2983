from django.db import models
from django.db.models.functions import Coalesce

from accounts.scoping import ScopedQuerySet


class DailyKpi(models.Model):
    """Additive KPI components per (process, local day, agent, team): the stored KPI result.

    Every rate is computed at read time from summed components (reporting/kpis.py), for any
    range and grouping. Rows are rewritten per (process, day) inside a transaction, so the table
    is right after any number of runs, and after a run killed midway.

    `agent` is null for inbound work no agent handled (abandons, unanswered contacts); `team` is
    the agent's team at the time of the interactions.
    """

    # Derived rows written only by the engine, in bulk: no database-side foreign-key checks
    # (Django still cascades deletes); the unique key and the indexes below serve the reads.
    process = models.ForeignKey(
        "processes.Process", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    local_date = models.DateField()
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.CASCADE, null=True, related_name="+", db_index=False, db_constraint=False
    )
    team = models.ForeignKey(
        "agents.Team", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False, db_constraint=False
    )
    offered = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    short_abandoned = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_within = models.IntegerField(default=0)
    abandoned_within = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    wait_seconds = models.FloatField(default=0)
    sl_numerator = models.IntegerField(default=0)
    sl_denominator = models.IntegerField(default=0)
    fcr_eligible = models.IntegerField(default=0)
    fcr_resolved = models.IntegerField(default=0)
    csat_responses = models.IntegerField(default=0)
    csat_top2 = models.IntegerField(default=0)
    csat_sum = models.IntegerField(default=0)
    qa_count = models.IntegerField(default=0)
    qa_sum = models.FloatField(default=0)
    tat_items = models.IntegerField(default=0)
    tat_within = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        verbose_name = "daily KPI components"
        verbose_name_plural = "daily KPI components"
        constraints = [
            # Null agent/team are part of the key too (portable: COALESCE rather than NULLS NOT DISTINCT).
            models.UniqueConstraint(
                "process",
                "local_date",
                Coalesce("agent", 0),
                Coalesce("team", 0),
                name="dailykpi_unique_key",
            )
        ]
        indexes = [
            models.Index(fields=["client", "local_date"], name="dailykpi_client_day"),
            models.Index(fields=["agent", "local_date"], name="dailykpi_agent_day"),
            models.Index(fields=["team", "local_date"], name="dailykpi_team_day"),
        ]

    def __str__(self):
        return f"{self.process_id} {self.local_date} agent {self.agent_id}"

    @classmethod
    def scope_extra(cls, user, role):
        """Agents see only their own figures (ROLES.md)."""
        if role == "agent":
            return models.Q(agent__user=user)
        return None


class IntervalKpi(models.Model):
    """Additive queue components per (process, 15-minute interval) (WFM.md, "Intervals"): the
    interval history that forecasts learn from and staffing is checked against.

    Written by the KPI engine in the same statement set and transaction as the daily components,
    for the same (process, local day) pairs, so the two never disagree: summed over a local day the
    rows equal that day's `DailyKpi` components. An interval starts at a UTC 15-minute boundary
    (every real UTC offset is a multiple of 15 minutes, so it is also a local one); a process
    planning in 30-minute intervals reads pairs of rows (workforce.intervals). `local_date` is the
    local day of the interval (of its interactions' arrival), the key the engine rewrites by.
    """

    process = models.ForeignKey(
        "processes.Process", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    local_date = models.DateField()
    interval_start = models.DateTimeField(help_text="Start of the 15-minute interval (UTC).")
    offered = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    short_abandoned = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_within = models.IntegerField(default=0)
    abandoned_within = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    wait_seconds = models.FloatField(default=0)
    sl_numerator = models.IntegerField(default=0)
    sl_denominator = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        verbose_name = "interval KPI components"
        verbose_name_plural = "interval KPI components"
        constraints = [
            models.UniqueConstraint(fields=["process", "local_date", "interval_start"], name="intervalkpi_unique_key")
        ]

    def __str__(self):
        return f"{self.process_id} {self.interval_start:%Y-%m-%d %H:%M}Z"
