"""Quality: scorecards, evaluations, disputes, calibration, coaching (KPIS.md "Quality score").

Scoring itself lives in `quality.scoring`; these models hold rows and row-local rules only.
Every model is scoped through its process or agent (`scope_via`), narrowed with `scope_extra`
where ROLES.md gives a role less than the whole process (agents: their own evaluations; team
leaders: their agents'; client users: no evaluation rows at all, only aggregates).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.scoping import ScopedQuerySet


def _evaluation_rows_q(user, role, agent_path: str):
    """Which evaluation-level rows a role may see within its process scope (ROLES.md)."""
    if role == "agent":
        return models.Q(**{f"{agent_path}__user": user})
    if role == "team_leader":
        return models.Q(**{f"{agent_path}__team__leader": user})
    if role == "client":
        # Client users get aggregated QA only (selectors), never evaluation rows.
        return models.Q(pk__in=[])
    return None


class Scorecard(models.Model):
    """One version of a process's scorecard. Editing a scorecard that has evaluations creates a
    new version (same `lineage`, version + 1); the old version stays, with its evaluations."""

    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="scorecards")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, help_text="Shared by all versions.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_current = models.BooleanField(default=True, help_text="The version new evaluations use.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["process__code", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="scorecard_unique_version"),
            models.UniqueConstraint(
                fields=["lineage"], condition=models.Q(is_current=True), name="scorecard_one_current_version"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def get_absolute_url(self):
        return reverse("quality:scorecard_detail", kwargs={"pk": self.pk})

    def criteria(self):
        return (
            Criterion.objects.of(section__scorecard=self)
            .select_related("section")
            .order_by("section__position", "position")
        )


class Section(models.Model):
    """A group of criteria with a weight: its criteria share the section's weight (by their own
    relative weights), so a section weighs exactly its `weight` when all its criteria apply."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    weight = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))], default=Decimal("1")
    )
    position = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_via = "scorecard__process"

    class Meta:
        ordering = ["scorecard", "position"]

    def __str__(self):
        return f"{self.title} ({self.weight})"


class Criterion(models.Model):
    """One question of a scorecard: points possible, optional "not applicable", fatal flag."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    points_possible = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(100)])
    weight = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Relative weight inside its section.",
    )
    allow_na = models.BooleanField("may be not applicable", default=False)
    fatal = models.BooleanField(default=False, help_text="Failing it sets the whole evaluation's score to 0.")
    position = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_via = "section__scorecard__process"

    class Meta:
        ordering = ["section", "position"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return self.text


class EvaluationStatus(models.TextChoices):
    FINAL = "final", "Final"
    SUPERSEDED = "superseded", "Superseded by an amendment"
    VOIDED = "voided", "Voided"


class AgentResponse(models.TextChoices):
    PENDING = "pending", "Awaiting the agent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISPUTED = "disputed", "Disputed"


class Evaluation(models.Model):
    """A QA analyst's scoring of one interaction on one scorecard version.

    An amendment (after a dispute) is a new row that `supersedes` the old one; the old row's
    status becomes superseded, so history is kept and exactly one `final` evaluation per
    interaction feeds the KPIs (`qa_components_sql`).
    """

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="evaluations")
    interaction = models.ForeignKey("processes.Interaction", on_delete=models.PROTECT, related_name="+")
    # Denormalised from the interaction, for scoping and filtering without joins.
    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="evaluations")
    local_date = models.DateField(help_text="The interaction's local day (the KPI day the score counts on).")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(
        help_text="0..100 (weighted points of the applicable criteria); 0 when a fatal criterion failed."
    )
    fatal_failed = models.BooleanField(default=False)
    error_free = models.BooleanField(default=True, help_text="No applicable criterion lost points.")
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.FINAL)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    agent_response = models.CharField(max_length=16, choices=AgentResponse.choices, default=AgentResponse.PENDING)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction"],
                condition=models.Q(status="final"),
                name="evaluation_one_final_per_interaction",
                violation_error_message="This interaction already has an evaluation.",
            ),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="evaluation_score_0_100"),
        ]
        indexes = [
            models.Index(fields=["process", "local_date"], name="evaluation_process_day"),
            models.Index(fields=["agent", "local_date"], name="evaluation_agent_day"),
        ]

    def __str__(self):
        return f"evaluation {self.pk} ({self.score:.2f})"

    def get_absolute_url(self):
        return reverse("quality:evaluation_detail", kwargs={"pk": self.pk})

    @classmethod
    def scope_extra(cls, user, role):
        return _evaluation_rows_q(user, role, "agent")

    @property
    def is_current(self) -> bool:
        return self.status == EvaluationStatus.FINAL


class Answer(models.Model):
    """The answer to one criterion in an evaluation: points earned, or not applicable (null)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points_earned = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = not applicable.")
    comment = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "evaluation"

    class Meta:
        ordering = ["criterion__section__position", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="answer_one_per_criterion")]

    def __str__(self):
        return f"{self.criterion_id}: {'N/A' if self.points_earned is None else self.points_earned}"

    @property
    def applicable(self) -> bool:
        return self.points_earned is not None

    @property
    def failed(self) -> bool:
        return self.points_earned is not None and self.points_earned < self.criterion.points_possible


class EvaluationEvent(models.Model):
    """The history of an evaluation: created, acknowledged, disputed, upheld, amended, voided."""

    class Kind(models.TextChoices):
        CREATED = "created", "Evaluated"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by the agent"
        DISPUTED = "disputed", "Disputed by the agent"
        UPHELD = "upheld", "Dispute upheld (score kept)"
        AMENDED = "amended", "Amended after dispute"
        VOIDED = "voided", "Voided"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True, help_text="The score at this point.")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "evaluation"

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} ({self.evaluation_id})"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    AMENDED = "amended", "Amended"


class Dispute(models.Model):
    """An agent's challenge of an evaluation, resolved by a reviewer other than the evaluator."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    amended_evaluation = models.OneToOneField(
        Evaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="amended_by_dispute"
    )

    objects = ScopedQuerySet.as_manager()
    scope_via = "evaluation"

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=models.Q(status="open"),
                name="dispute_one_open_per_evaluation",
                violation_error_message="This evaluation is already disputed.",
            )
        ]

    def __str__(self):
        return f"dispute {self.pk} on evaluation {self.evaluation_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("quality:dispute_resolve", kwargs={"pk": self.pk})


class SamplePlan(models.Model):
    """How many interactions per agent and week the portal draws at random for a process."""

    process = models.OneToOneField("processes.Process", on_delete=models.CASCADE, related_name="sample_plan")
    per_agent_per_week = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    def __str__(self):
        return f"{self.process_id}: {self.per_agent_per_week} per agent per week"


class SampleItem(models.Model):
    """An interaction drawn into an agent's weekly QA sample."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="Monday of the local week.")
    interaction = models.ForeignKey("processes.Interaction", on_delete=models.CASCADE, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["week_start", "agent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["process", "week_start", "interaction"], name="sampleitem_unique")
        ]

    def __str__(self):
        return f"sample {self.week_start}: {self.interaction_id}"

    @classmethod
    def scope_extra(cls, user, role):
        return _evaluation_rows_q(user, role, "agent")


class CalibrationSession(models.Model):
    """Several evaluators score the same interaction blind; scores are revealed when closed."""

    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    interaction = models.ForeignKey("processes.Interaction", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="If set, deviations are measured against the expert's scoring instead of the consensus.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quality:calibration_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def scope_extra(cls, user, role):
        # Calibration is QA work: no agent or client sees a session.
        if role in ("agent", "client"):
            return models.Q(pk__in=[])
        return None


class CalibrationEntry(models.Model):
    """One evaluator's blind scoring in a calibration session."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="entries")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    fatal_failed = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "session"

    class Meta:
        ordering = ["session", "evaluator__username"]
        constraints = [models.UniqueConstraint(fields=["session", "evaluator"], name="calibration_one_entry_each")]

    def __str__(self):
        return f"{self.session_id}: {self.evaluator_id} {self.score:.1f}"


class CalibrationAnswer(models.Model):
    entry = models.ForeignKey(CalibrationEntry, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points_earned = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "entry"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "criterion"], name="calibration_answer_one_per_criterion")
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.points_earned}"


class CoachingStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CoachingAction(models.Model):
    """A team leader's coaching action for an agent, optionally from an evaluation."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="coaching_actions")
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.SET_NULL, null=True, blank=True, related_name="coaching_actions"
    )
    topic = models.CharField(max_length=200)
    due_date = models.DateField()
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=CoachingStatus.choices, default=CoachingStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "agent"

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return f"{self.topic} ({self.agent_id}, due {self.due_date})"

    def get_absolute_url(self):
        return reverse("quality:coaching_edit", kwargs={"pk": self.pk})

    @property
    def is_overdue(self) -> bool:
        return self.status == CoachingStatus.OPEN and self.due_date < timezone.localdate()

    def clean(self):
        if self.status != CoachingStatus.OPEN and not self.outcome.strip():
            raise ValidationError({"outcome": "Record the outcome before closing the action."})


class Notification(models.Model):
    """An in-portal notification for one user (evaluations, disputes, coaching)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject

    @classmethod
    def scope_extra(cls, user, role):
        """Everyone, administrators included, sees only their own notifications."""
        return models.Q(recipient=user)
