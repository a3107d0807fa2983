from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from accounts.scoping import ScopedQuerySet


class Role(models.TextChoices):
    """The roles of ROLES.md. A user has exactly one."""

    ADMIN = "admin", "Administrator"
    OPS_MANAGER = "ops_manager", "Operations manager"
    TEAM_LEADER = "team_leader", "Team leader"
    QA_ANALYST = "qa_analyst", "QA analyst"
    AGENT = "agent", "Agent"
    CLIENT = "client", "Client user"


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    def get_by_natural_key(self, username):
        # Sign-in (ModelBackend) looks the login up by username before anyone is known.
        return self.unscoped("sign-in looks the login up by username").get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser):
    """A portal login. What it may see follows from `role` and the assignments below."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="For client users: the one client whose data they may see.",
    )
    assigned_clients = models.ManyToManyField(
        "clients.Client",
        blank=True,
        related_name="ops_managers",
        help_text="For operations managers: limit them to these clients (none = all clients).",
    )
    assigned_processes = models.ManyToManyField(
        "processes.Process",
        blank=True,
        related_name="qa_analysts",
        help_text="For QA analysts: the processes they audit.",
    )

    objects = ScopedUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="client") | models.Q(client__isnull=False),
                name="user_client_role_has_client",
                violation_error_message="A client user must belong to a client.",
            )
        ]

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    def get_role_display_name(self) -> str:
        return "Administrator" if self.is_superuser and self.role != Role.ADMIN else self.get_role_display()


def linked_model(relation: str):
    """The model at the other end of one of User's relations: `assigned_processes` →
    processes.Process, `agent` → agents.Agent (its one-to-one to the login), `led_teams` →
    agents.Team (its leader). Those models belong to apps above accounts, which declare or are
    named by these relations; accounts reaches them through the relations, never by importing
    them. Call it once the app registry is ready (forms, views, serializers: not at model loading)."""
    return User._meta.get_field(relation).related_model
