from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedQuerySet
from bpo_portal.codes import CodedModelMixin, code_field, unique_code_ci


class Team(CodedModelMixin, models.Model):
    """A group of agents under one team leader."""

    code = code_field()
    name = models.CharField(max_length=200)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        limit_choices_to={"role": "team_leader"},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [unique_code_ci("team", "team")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("agents:team_detail", kwargs={"code": self.code})


class AgentRole(models.TextChoices):
    CSR = "csr", "Customer service representative"
    TECH_SUPPORT = "tech_support", "Technical support"
    TELESALES = "telesales", "Telesales"
    BACK_OFFICE = "back_office", "Back office"


class Agent(CodedModelMixin, models.Model):
    """A person who handles interactions, staffed on one or more processes of one client."""

    code = code_field()
    name = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="agents")
    role = models.CharField(max_length=16, choices=AgentRole.choices, default=AgentRole.CSR)
    processes = models.ManyToManyField("processes.Process", blank=True, related_name="agents")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent",
        limit_choices_to={"role": "agent"},
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [unique_code_ci("agent", "agent")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("agents:detail", kwargs={"code": self.code})
