from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedQuerySet
from bpo_portal import metrics, units
from bpo_portal.codes import CodedModelMixin, code_field, unique_code_ci
from bpo_portal.timezones import validate_timezone


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    BACKOFFICE = "backoffice", "Back office"


class SLFormula(models.TextChoices):
    """How abandoned contacts count in the service level (KPIS.md, "Rates and averages")."""

    STANDARD = "standard", "Standard: answered within ÷ (answered + abandoned)"
    EXCLUDE_EARLY_ABANDONS = (
        "exclude_early_abandons",
        "Exclude early abandons: answered within ÷ (answered + abandoned − abandoned within)",
    )
    EARLY_ABANDONS_COUNT_GOOD = (
        "early_abandons_count_good",
        "Early abandons count good: (answered within + abandoned within) ÷ (answered + abandoned)",
    )


class Process(CodedModelMixin, models.Model):
    """One line of work done for a client (e.g. ACME's inbound voice support), with KPI settings."""

    # What a user may set on a process (the form, the API and the services read this list);
    # `client` is set once, at creation.
    EDITABLE_FIELDS = (
        "code",
        "name",
        "channel",
        "timezone",
        "sl_threshold_seconds",
        "short_abandon_seconds",
        "fcr_window_days",
        "sl_formula",
        "tat_hours",
        "calendar",
        "active",
    )
    # The settings that change which day an interaction belongs to, or how it counts: changing
    # one marks every day of the process for recomputation.
    KPI_SETTINGS = (
        "timezone",
        "sl_threshold_seconds",
        "short_abandon_seconds",
        "fcr_window_days",
        "sl_formula",
        "tat_hours",
        "calendar",
    )

    code = code_field()
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="processes")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    timezone = models.CharField(
        max_length=64,
        validators=[validate_timezone],
        help_text="Local days for KPIs are days in this IANA time zone. Defaults to the client's.",
    )
    sl_threshold_seconds = models.PositiveIntegerField(
        "service-level threshold (seconds)",
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(86400)],
        help_text="Answered within this many seconds counts towards the service level.",
    )
    short_abandon_seconds = models.PositiveIntegerField(
        "short abandon (seconds)",
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(3600)],
        help_text="Abandons quicker than this are mis-dials, left out of every figure.",
    )
    fcr_window_days = models.PositiveIntegerField(
        "FCR window (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A repeat contact within this many days means the first was not resolved.",
    )
    sl_formula = models.CharField(
        "service-level formula", max_length=32, choices=SLFormula.choices, default=SLFormula.STANDARD
    )
    tat_hours = models.PositiveIntegerField(
        "turnaround target (hours)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
        help_text="Back-office turnaround target in hours.",
    )
    calendar = models.ForeignKey(
        "calendars.ServiceCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processes",
        help_text="Opening hours (KPIS.md): TAT counts open time only; forecasts and staffing are zero "
        "while closed. None: open 24 × 7.",
    )
    interval_minutes = models.PositiveSmallIntegerField(
        "planning interval (minutes)",
        choices=[(15, "15 minutes"), (30, "30 minutes")],
        default=15,
        help_text="Forecasts and staffing per interval of this length (WFM.md); history is kept per 15 minutes.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "processes"
        constraints = [unique_code_ci("process", "process")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("processes:detail", kwargs={"code": self.code})

    def clean(self):
        # A service calendar is the client's own (calendars.ServiceCalendar.client).
        if self.calendar_id is not None and self.client_id is not None and self.calendar.client_id != self.client_id:
            raise ValidationError({"calendar": "Choose a calendar of the process's own client."})


# KPIs an SLA target can be set on (KPIS.md), with their units: the registry's target choices.
Metric = models.TextChoices("Metric", [(key.upper(), (key, metrics.metric(key).target)) for key in metrics.SLA_METRICS])

# Targets on these are 0..100 (percentages and the 0-100 quality score).
PERCENT_METRICS = {
    Metric(key) for key in metrics.SLA_METRICS if metrics.metric(key).unit in (units.PERCENT, units.SCORE)
}


class Comparator(models.TextChoices):
    AT_LEAST = ">=", "at least (≥)"
    AT_MOST = "<=", "at most (≤)"


class SLATarget(models.Model):
    """A contractual target on one KPI of a process, and the service credit owed when missed."""

    EDITABLE_FIELDS = ("metric", "comparator", "target", "credit_percent")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="sla_targets")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    target = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    credit_percent = models.DecimalField(
        "service credit (% of fee)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Service credit owed when the target is missed, as % of the month's fee.",
    )

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process__code", "metric"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(
                fields=["process", "metric"],
                name="slatarget_one_per_metric",
                violation_error_message="This process already has a target for this metric.",
            )
        ]

    def __str__(self):
        return f"{self.process.code}: {self.metric} {self.comparator} {self.target}"

    def clean(self):
        if self.target is None or not self.metric:
            return
        if self.metric in PERCENT_METRICS and self.target > 100:
            raise ValidationError({"target": "A percentage target must be between 0 and 100."})
        if self.metric == Metric.CSAT_MEAN and not (1 <= self.target <= 5):
            raise ValidationError({"target": "A CSAT mean target must be between 1 and 5."})


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Interaction(models.Model):
    """One unit of work in a process: a call, chat, email or back-office item (IMPORT_FORMAT.md).

    `local_date`, `arrived_us`, `wait_seconds` and `duration_seconds` are derived at import from
    the timestamps and the process's time zone, so that the KPI engine can aggregate with plain
    sums and integer comparisons on any database.
    """

    # The import writes millions of rows: every index and database-side foreign-key check costs
    # it time. The import resolves and checks every reference itself, and Django still enforces
    # PROTECT on deletes, so the foreign keys carry no database constraint; the unique
    # (process, external_id) and the indexes below cover every lookup.
    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="interactions", db_index=False, db_constraint=False
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    external_id = models.CharField(max_length=100)
    agent = models.ForeignKey(
        "agents.Agent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        "agents.Team",
        db_index=False,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agent's team when the interaction was imported (team figures use it).",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    customer_ref = models.CharField(max_length=100, blank=True)
    arrived_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(default=0)
    hold_seconds = models.PositiveIntegerField(default=0)
    wrap_seconds = models.PositiveIntegerField(default=0)
    abandoned = models.BooleanField(default=False)
    resolved = models.BooleanField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=100, blank=True)
    local_date = models.DateField(help_text="Local calendar day of arrived_at in the process's time zone.")
    arrived_us = models.BigIntegerField(help_text="arrived_at as microseconds since the Unix epoch.")
    wait_seconds = models.FloatField(null=True, blank=True, help_text="answered_at − arrived_at")
    duration_seconds = models.FloatField(null=True, blank=True, help_text="ended_at − arrived_at")
    open_seconds = models.FloatField(
        null=True,
        blank=True,
        help_text="Open time between arrived_at and ended_at by the process's service calendar (KPIS.md); "
        "null without a calendar (then TAT uses duration_seconds). Kept by the KPI engine.",
    )
    has_repeat = models.BooleanField(
        db_default=False,
        help_text="Another interaction of the same process and customer, not a short abandon, arrived "
        "strictly later within the FCR window (repeat-contact method). Kept up to date by the import.",
    )
    imported_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process", "arrived_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "external_id"], name="interaction_unique_external_id")
        ]
        indexes = [
            # Also how the import finds stored contacts for the repeat-contact rule (by day, see
            # processes.ledger): an index by customer cost more on every insert than it saved.
            models.Index(fields=["process", "local_date"], name="interaction_process_day"),
        ]

    def __str__(self):
        return f"{self.process_id}:{self.external_id}"

    @classmethod
    def scope_extra(cls, user, role):
        """Agents see only the interactions they handled (ROLES.md: "their own")."""
        if role == "agent":
            return models.Q(agent__user=user)
        return None

    @property
    def handle_seconds(self) -> int:
        return self.talk_seconds + self.hold_seconds + self.wrap_seconds


class KpiMark(models.Model):
    """A (process, local day) whose KPI components must be recomputed: the ledger of changed days
    (processes/ledger.py writes it, the KPI engine reads and deletes it).

    Written in the same transaction as the change to the day (an import, a KPI-settings change,
    an evaluation), so no change is lost to a broker outage; deleted by the recompute that covered
    it (only if not marked again since).

    `fcr_only` says that the only change to the day is flipped repeat-contact flags of its
    interactions (a later contact arrived or went away): then only `fcr_resolved` of its stored
    components can differ, and the engine rewrites just that. Any other reason to mark the day
    clears it (a full mark wins over an FCR-only one for the same day).
    """

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    marked_at = models.DateTimeField()
    fcr_only = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "reporting_kpimark"  # the table kept its name when the model moved from reporting
        constraints = [models.UniqueConstraint(fields=["process", "local_date"], name="kpimark_unique")]

    def __str__(self):
        return f"{self.process_id} {self.local_date}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A CSV file uploaded in the portal, imported by a worker (or in-process in the demo)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    changes = models.JSONField(
        default=list, blank=True, help_text="Per process, the local days the import changed (ImportReport.changes)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import {self.pk} ({self.original_name}, {self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @classmethod
    def scope_extra(cls, user, role):
        """An import job is visible to the user who uploaded it and to administrators."""
        if role == "admin":
            return None
        return models.Q(created_by=user)
