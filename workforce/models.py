"""Workforce planning's stored data (WFM.md): per-process planning settings, the forecast per
interval, its backtest accuracy, and the planners' adjustments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.scoping import ScopedQuerySet


class ForecastMethod(models.TextChoices):
    SEASONAL_NAIVE = "seasonal_naive", "Seasonal naive (same interval one week earlier)"
    WEIGHTED_WEEKS = "weighted_weeks", "Weighted weeks (same weekday and interval, recent weeks weigh more)"
    STATISTICAL = "statistical", "Statistical model (daily and weekly seasonality)"


class PlanningSettings(models.Model):
    """The staffing and forecast settings of one process (WFM.md defaults when a process has none)."""

    EDITABLE_FIELDS = ("max_occupancy", "shrinkage", "concurrency", "forecast_method", "weighted_weeks",
                       "paid_hours_per_fte")  # fmt: skip

    process = models.OneToOneField("processes.Process", on_delete=models.CASCADE, related_name="planning")
    max_occupancy = models.DecimalField(
        "maximum occupancy (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("85"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text="Staffing never plans agents busier than this share of their time.",
    )
    shrinkage = models.DecimalField(
        "shrinkage (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("95"))],
        help_text="Paid time not available for contacts (breaks, training, absence): scheduled = ⌈N ÷ (1 − s)⌉.",
    )
    concurrency = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Chat: contacts one agent handles at once (divides the handle time).",
    )
    forecast_method = models.CharField(
        "pinned forecast method",
        max_length=32,
        choices=ForecastMethod.choices,
        blank=True,
        help_text="Empty: the method with the lowest backtest WAPE is chosen automatically.",
    )
    weighted_weeks = models.PositiveSmallIntegerField(
        "weeks in the weighted-weeks forecast",
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    paid_hours_per_fte = models.DecimalField(
        "paid hours per FTE and day",
        max_digits=4,
        decimal_places=2,
        default=Decimal("8"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("24"))],
        help_text="Converts a day's required agent-hours into full-time equivalents.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        verbose_name = "planning settings"
        verbose_name_plural = "planning settings"

    def __str__(self):
        return f"planning settings of {self.process_id}"


class Forecast(models.Model):
    """Expected contacts and AHT of one future (or backtested past) interval of a process, by the
    method chosen for it; `base_contacts` before the planners' adjustments, `contacts` after.
    Zero outside the process's service calendar."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    interval_start = models.DateTimeField(help_text="Start of the interval (UTC).")
    local_date = models.DateField()
    method = models.CharField(max_length=32, choices=ForecastMethod.choices)
    base_contacts = models.FloatField()
    contacts = models.FloatField()
    aht = models.FloatField(help_text="Expected average handle time (seconds).")
    generated_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process", "interval_start"]
        constraints = [models.UniqueConstraint(fields=["process", "interval_start"], name="forecast_unique_interval")]
        indexes = [models.Index(fields=["process", "local_date"], name="forecast_process_day")]

    def __str__(self):
        return f"{self.process_id} {self.interval_start:%Y-%m-%d %H:%M}Z {self.contacts:.1f}"


class ForecastRun(models.Model):
    """One forecast of a process: which method won the backtest (or was pinned), the interval WAPE
    of every method over the backtest (%; null when it could not run), the horizon written."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    method = models.CharField(max_length=32, choices=ForecastMethod.choices)
    pinned = models.BooleanField(default=False)
    wape = models.JSONField(default=dict, help_text="method → interval WAPE in % over the backtest (null: not run).")
    backtest_start = models.DateField(null=True)
    backtest_end = models.DateField(null=True)
    horizon_start = models.DateField()
    horizon_end = models.DateField()
    seconds = models.FloatField(default=0, help_text="How long the run took.")
    notes = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process", "-created_at"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"{self.process_id} forecast {self.created_at:%Y-%m-%d %H:%M} ({self.method})"


class ForecastAccuracy(models.Model):
    """The backtest of one method on one past local day (one day ahead, rolling origin): actual
    contacts and Σ|actual − forecast| over the day's intervals, so WAPE per day and over any set of
    days is a ratio of sums."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=32, choices=ForecastMethod.choices)
    local_date = models.DateField()
    actual = models.FloatField()
    forecast = models.FloatField()
    absolute_error = models.FloatField()

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process", "method", "local_date"]
        constraints = [
            models.UniqueConstraint(fields=["process", "method", "local_date"], name="forecastaccuracy_unique")
        ]

    def __str__(self):
        return f"{self.process_id} {self.method} {self.local_date}"

    @property
    def wape(self) -> float | None:
        return self.absolute_error / self.actual * 100 if self.actual else None


class ForecastAdjustment(models.Model):
    """A planner's scaling of the forecast contacts of [start, end) by `percent` (+20 = 20 % more,
    −50 = half), with the reason; kept with who and when, applied on every later forecast until it
    is withdrawn (then kept, with who withdrew it and when, and no longer applied)."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(help_text="First interval scaled (UTC).")
    end = models.DateTimeField(help_text="End of the last interval scaled (UTC, exclusive).")
    percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))],
        help_text="Change in %: +20 scales by 1.2, −100 forecasts nothing.",
    )
    note = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Withdrawn, not deleted: the forecast no longer applies it, the page and CSV still show it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process", "start"]

    def __str__(self):
        return f"{self.process_id} {self.start:%Y-%m-%d %H:%M}Z–{self.end:%H:%M}Z {self.percent:+}%"
