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
    pass


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
