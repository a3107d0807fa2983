"""Work items: back-office tasks, callbacks, escalations and follow-ups that team leaders assign
and agents work, with their audit trail and the per-process automatic-assignment settings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.scoping import ScopedQuerySet


class WorkType(models.TextChoices):
    BACK_OFFICE = "back_office", "Back-office task"
    CALLBACK = "callback", "Callback"
    ESCALATION = "escalation", "Escalation"
    FOLLOW_UP = "follow_up", "Follow-up"
    OTHER = "other", "Other"


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}
PRIORITY_BY_NAME = {name: value for value, name in PRIORITY_NAMES.items()}


class Status(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# The allowed status changes. Assignment moves new → assigned (and back with an unassign, or to
# assigned again for the new agent on a reassignment); the agent starts, holds, resumes and
# completes; a manager may cancel anything still open. Done and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.CANCELLED}),
    Status.ASSIGNED: frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.NEW, Status.ASSIGNED, Status.ON_HOLD, Status.DONE, Status.CANCELLED}),
    Status.ON_HOLD: frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)
# What counts towards an agent's load (and the automatic-assignment cap).
LOAD_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)


class WorkItem(models.Model):
    """One piece of work in a process, due by `due_at`, worked by its assignee.

    `version` is bumped by every write through the services; an assignment names the version
    the team leader saw, so two people changing the same item at once cannot both win silently.
    """

    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="work_items")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The source system's id; a re-import with the same id updates the item."
    )
    type = models.CharField(max_length=16, choices=WorkType.choices, default=WorkType.BACK_OFFICE)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    customer_ref = models.CharField(max_length=100, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="Defaults to received + the process's turnaround target (tat_hours).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="work_items"
    )
    interaction = models.ForeignKey(
        "processes.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        help_text="The interaction this item came from (e.g. the call that asked for a callback).",
    )
    version = models.PositiveIntegerField(default=1)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When work first started.")
    working_since = models.DateTimeField(null=True, blank=True, help_text="Start of the current work stretch.")
    handle_seconds = models.PositiveIntegerField(default=0, help_text="Time spent in progress, summed.")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        ordering = ["due_at", "-priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "external_id"],
                condition=~models.Q(external_id=""),
                name="workitem_unique_external_id",
                violation_error_message="This process already has a work item with this external id.",
            )
        ]
        indexes = [
            models.Index(fields=["process", "status", "due_at"], name="workitem_queue"),
            models.Index(fields=["assignee", "status"], name="workitem_load"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self):
        return reverse("work:detail", kwargs={"pk": self.pk})

    @classmethod
    def scope_extra(cls, user, role):
        """Agents see only the items assigned to them; QA analysts and client users see none
        (their roles do not include work queues, whatever their process scope)."""
        if role == "agent":
            return models.Q(assignee__user=user)
        if role in ("qa_analyst", "client"):
            return models.Q(pk__in=[])
        return None

    def can_transition(self, to: str) -> bool:
        return to in TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def kpi_external_id(self) -> str:
        """The external id of the interaction that records this item's handling for the KPIs."""
        return f"WI-{self.pk}"

    def seconds_left(self, now=None) -> int:
        """Seconds until due (negative when overdue)."""
        return int((self.due_at - (now or timezone.now())).total_seconds())

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    ASSIGNED = "assigned", "Assigned"
    REASSIGNED = "reassigned", "Reassigned"
    UNASSIGNED = "unassigned", "Unassigned"
    STATUS = "status", "Status changed"


class WorkItemEvent(models.Model):
    """One entry of a work item's audit trail: who did what, when, from → to. Never edited."""

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the system (automatic assignment).",
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    from_agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "work_item"

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="workitemevent_at")]

    def __str__(self):
        return f"#{self.work_item_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_label(self) -> str:
        if self.actor is None:
            return "automatic assignment"
        return self.actor.get_full_name() or self.actor.username


class WorkSettings(models.Model):
    """Automatic assignment of one process's work items (off until switched on)."""

    process = models.OneToOneField(
        "processes.Process", on_delete=models.CASCADE, primary_key=True, related_name="work_settings"
    )
    auto_assign = models.BooleanField(
        "assign automatically",
        default=False,
        help_text="New items go to the least-loaded active agent staffed on the process.",
    )
    max_open_per_agent = models.PositiveIntegerField(
        "open items per agent (cap)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Automatic assignment never gives an agent more open items than this.",
    )
    last_agent = models.ForeignKey(
        "agents.Agent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The last agent given an item automatically (ties go round-robin from here).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_via = "process"

    class Meta:
        verbose_name = "work settings"
        verbose_name_plural = "work settings"

    def __str__(self):
        return f"work settings of {self.process_id}"
