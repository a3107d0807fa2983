import django_filters

from accounts.models import User
from agents.models import Agent, Team
from agents.services import agent_create, agent_update, team_create, team_update
from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from processes.models import Process


class TeamSerializer(ModelSerializer):
    leader = ScopedSlugRelatedField(
        model=User,
        slug_field="username",
        allow_null=True,
        required=False,
        help_text="Username of a user with role team_leader, or null.",
    )

    class Meta:
        model = Team
        fields = ["code", "name", "leader"]

    def create(self, validated_data):
        return team_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return team_update(actor=self.context["request"].user, team=instance, **validated_data)


class AgentSerializer(ModelSerializer):
    team = ScopedSlugRelatedField(model=Team, allow_null=True, required=False)
    # Only the processes the caller may see: staffing elsewhere is another tenant's business.
    processes = ScopedSlugRelatedField(model=Process, many=True, required=False)
    user = ScopedSlugRelatedField(
        model=User,
        slug_field="username",
        allow_null=True,
        required=False,
        help_text="Username of a user with role agent, or null.",
    )

    class Meta:
        model = Agent
        fields = ["code", "name", "team", "role", "processes", "user", "active"]

    def create(self, validated_data):
        return agent_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return agent_update(actor=self.context["request"].user, agent=instance, **validated_data)


class AgentFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__code", help_text="Team code.")
    process = django_filters.CharFilter(field_name="processes__code", help_text="Process code.")

    class Meta:
        model = Agent
        fields = ["team", "process", "role", "active"]


class TeamViewSet(ScopedViewSet):
    """Teams of agents, each with an optional team leader (by username)."""

    queryset = Team.objects.select_related("leader")
    serializer_class = TeamSerializer
    capabilities = {"list": "teams.view", "retrieve": "teams.view"}
    capability = "teams.manage"


class AgentViewSet(ScopedViewSet):
    """Agents, their team, role, the processes they are staffed on and their login."""

    queryset = Agent.objects.select_related("team", "user").prefetch_related("processes")
    serializer_class = AgentSerializer
    capabilities = {"list": "agents.view", "retrieve": "agents.view"}
    capability = "agents.manage"
    filterset_class = AgentFilter
