from django import forms
from django.db.models import Q

from accounts.models import Role, User
from accounts.scoping import scope_q
from agents.models import Agent, Team
from bpo_portal.forms import UserAwareModelForm
from processes.models import Process


class TeamForm(UserAwareModelForm):
    class Meta:
        model = Team
        fields = ["code", "name", "leader"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(
            scope_q(User, self.user), role=Role.TEAM_LEADER, is_active=True
        )
        self.fields["leader"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


class AgentForm(UserAwareModelForm):
    processes = forms.ModelMultipleChoiceField(
        queryset=Process.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="All of one client: an agent is dedicated to one client.",
    )

    class Meta:
        model = Agent
        fields = ["code", "name", "team", "role", "processes", "user", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["processes"].queryset = (
            Process.objects.filter(scope_q(Process, self.user))
            .select_related("client")
            .order_by("client__code", "code")
        )
        self.fields["processes"].label_from_instance = lambda p: f"{p.client.code} · {p.code} — {p.name}"
        self.fields["team"].queryset = Team.objects.filter(scope_q(Team, self.user))
        # Agent logins not yet linked to another agent.
        free = Q(agent__isnull=True)
        if self.instance.pk and self.instance.user_id:
            free |= Q(pk=self.instance.user_id)
        self.fields["user"].queryset = User.objects.filter(scope_q(User, self.user), free, role=Role.AGENT)
        self.fields["user"].help_text = "The agent's login, so they can see their own work and KPIs."
        if self.instance.pk:
            self.initial["processes"] = list(
                self.instance.processes.filter(pk__in=self.fields["processes"].queryset.values("pk"))
            )
