"""A full recompute (or a backfill after a definition change) split into shards that Celery
workers run side by side (issue 17, "Recompute across workers").

A run covers a range of local days of some or all processes; each shard is one process and a
range of its days, recomputed by the KPI engine in one transaction that also marks the shard done,
so a shard is idempotent and a worker killed midway leaves the table as it was and the shard to
run again. With `refresh_flags` (a backfill after a change to the repeat-contact rule) each
process first has one "flags" shard that re-evaluates its repeat-contact flags; its day shards
are queued when that one is done.

Runs are operator data (not a client's): administrators start and follow them.
"""

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ShardStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ShardStep(models.TextChoices):
    FLAGS = "flags", "Repeat-contact flags"
    DAYS = "days", "Daily and interval components"


class RecomputeRun(models.Model):
    start = models.DateField(help_text="First local day recomputed.")
    end = models.DateField(help_text="Last local day recomputed (inclusive).")
    all_processes = models.BooleanField(default=True)
    shard_days = models.PositiveSmallIntegerField(default=31, help_text="Days per shard.")
    refresh_flags = models.BooleanField(default=False, help_text="Re-evaluate repeat-contact flags first.")
    definition_version = models.CharField(max_length=20, help_text="KPI_DEFINITION_VERSION when started.")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"recompute {self.pk} {self.start}…{self.end} ({self.status})"


class RecomputeShard(models.Model):
    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="shards")
    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=5, choices=ShardStep.choices, default=ShardStep.DAYS)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=ShardStatus.choices, default=ShardStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0, help_text="Component rows written.")
    seconds = models.FloatField(null=True, blank=True, help_text="Duration of the successful attempt.")
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "process", "step", "start"]
        indexes = [models.Index(fields=["run", "status"], name="recompute_shard_run_status")]

    def __str__(self):
        return f"shard {self.pk} of run {self.run_id}: process {self.process_id} {self.step} {self.start}…{self.end}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
