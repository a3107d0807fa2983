"""SLA alerts and client reports. The tables keep their names from before `reporting` was split
(the move changed Django's state only: sla/migrations/0001_initial.py)."""

from django.conf import settings
from django.db import models

from accounts.scoping import ScopedQuerySet


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Generating"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


REPORT_FORMATS = ("pdf", "xlsx", "csv")


class Report(models.Model):
    """A client's monthly SLA report: one row per (client, month), pointing at its current
    version. Regenerating adds a version and switches `current` in one transaction, so a reader
    always gets a complete set of files; a failed run leaves `current` as it was."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="reports")
    month = models.DateField(help_text="First day of the reported month.")
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    current = models.ForeignKey("ReportVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True, help_text="Why the last generation failed (empty when it did not).")
    attempts = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "client"

    class Meta:
        db_table = "reporting_report"
        ordering = ["-month", "client__code"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="report_one_per_client_month")]

    def __str__(self):
        return f"{self.client.code} {self.month:%Y-%m}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def generated_at(self):
        return self.current.created_at if self.current else None


class ReportVersion(models.Model):
    """One complete generation of a report: its three files (paths under MEDIA_ROOT), who asked
    for it, and what it was computed from (KPI definition version, newest component timestamp)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=16, default="manual", help_text="schedule, manual, api, command or demo")
    kpi_definition_version = models.CharField(max_length=32)
    figures_computed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    pdf = models.CharField(max_length=255)
    xlsx = models.CharField(max_length=255)
    csv = models.CharField(max_length=255)
    pdf_size = models.PositiveIntegerField(default=0)
    xlsx_size = models.PositiveIntegerField(default=0)
    csv_size = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, help_text="Targets met/missed and credits, as in the report.")
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per process the figures, volumes, settings and target statuses the version was issued with "
        "(sla/reports/drift.py), to tell when the figures have changed since; empty for older versions.",
    )

    objects = ScopedQuerySet.as_manager()
    scope_via = "report__client"

    class Meta:
        db_table = "reporting_reportversion"
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique_number")]

    def __str__(self):
        return f"{self.report} v{self.number}"

    def path_of(self, fmt: str) -> str:
        return getattr(self, fmt)


class ReportDownload(models.Model):
    """Who downloaded which file of which version, and when."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    fmt = models.CharField(max_length=8)
    downloaded_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "version__report__client"

    class Meta:
        db_table = "reporting_reportdownload"
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.version} {self.fmt} by {self.user_id}"


class ReportEmailPreference(models.Model):
    """A client user's choice about the "new report ready" email (absent = yes)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_email")
    enabled = models.BooleanField(default=True)

    class Meta:
        db_table = "reporting_reportemailpreference"

    def __str__(self):
        return f"{self.user_id}: {'on' if self.enabled else 'off'}"


class SlaAlert(models.Model):
    """The last alerted state of one SLA target in one month, so that operations managers are
    told once per change of state (met → at risk → missed), not on every recompute."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=32)
    month = models.DateField()
    state = models.CharField(max_length=16, help_text="met, at_risk, missed or undefined")
    actual = models.FloatField(null=True)
    projected = models.FloatField(null=True)
    target = models.FloatField()
    comparator = models.CharField(max_length=2)
    changed_at = models.DateTimeField()
    notified = models.PositiveIntegerField(default=0, help_text="How many people were emailed at the last change.")

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        db_table = "reporting_slaalert"
        ordering = ["-changed_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "metric", "month"], name="slaalert_one_per_target_month")
        ]

    def __str__(self):
        return f"{self.process_id} {self.metric} {self.month:%Y-%m}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in ("at_risk", "missed")
