from django.urls import reverse

from agents.forms import AgentForm, TeamForm
from agents.models import Agent, AgentRole, Team
from agents.selectors import agent_list, team_list
from agents.services import agent_create, agent_update, team_create, team_update
from bpo_portal.pages import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView
from processes.models import Process


class TeamListView(ScopedListView):
    model = Team
    capability = "teams.view"
    template_name = "agents/team_list.html"
    search_fields = ("code", "name", "leader__username", "leader__first_name", "leader__last_name")

    def base_queryset(self):
        return team_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("teams.manage")
        return context


class TeamDetailView(ScopedDetailView):
    model = Team
    capability = "teams.view"
    template_name = "agents/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agents"] = agent_list(user=self.request.user).filter(team=self.object).order_by("code")
        context["can_manage"] = self.can("teams.manage")
        return context


class TeamCreateView(ScopedCreateView):
    model = Team
    form_class = TeamForm
    capability = "teams.manage"
    template_name = "form_page.html"
    cancel_url_name = "agents:team_list"
    success_message = "Team {object.code} created."
    extra_context = {"title": "New team"}

    def save_with_service(self, form):
        return team_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class TeamUpdateView(ScopedUpdateView):
    model = Team
    form_class = TeamForm
    capability = "teams.manage"
    template_name = "form_page.html"
    success_message = "Team {object.code} saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"Edit team {self.object.code}"
        context["cancel_url"] = self.object.get_absolute_url()
        return context

    def save_with_service(self, form):
        return team_update(actor=self.request.user, team=self.get_object(), **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class AgentListView(ScopedListView):
    model = Agent
    capability = "agents.view"
    template_name = "agents/agent_list.html"
    search_fields = ("code", "name", "team__code", "user__username")

    def base_queryset(self):
        return agent_list(user=self.request.user)

    def get_queryset(self):
        queryset = super().get_queryset()
        team = self.request.GET.get("team")
        if team:
            queryset = queryset.filter(team__code=team)
        process = self.request.GET.get("process")
        if process:
            queryset = queryset.filter(processes__code=process)
        status = self.request.GET.get("status")
        if status in ("active", "inactive"):
            queryset = queryset.filter(active=status == "active")
        return queryset.distinct()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("agents.manage")
        context["teams"] = self.scoped(Team).order_by("code")
        context["processes"] = self.scoped(Process).order_by("code")
        context["filters"] = {k: self.request.GET.get(k, "") for k in ("team", "process", "status")}
        return context


class AgentDetailView(ScopedDetailView):
    model = Agent
    capability = "agents.view"
    template_name = "agents/agent_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["processes"] = self.scoped(Process).filter(agents=self.object).select_related("client")
        context["can_manage"] = self.can("agents.manage")
        context["role_display"] = AgentRole(self.object.role).label
        return context


class AgentCreateView(ScopedCreateView):
    model = Agent
    form_class = AgentForm
    capability = "agents.manage"
    template_name = "form_page.html"
    cancel_url_name = "agents:list"
    success_message = "Agent {object.code} created."
    extra_context = {"title": "New agent"}

    def save_with_service(self, form):
        return agent_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class AgentUpdateView(ScopedUpdateView):
    model = Agent
    form_class = AgentForm
    capability = "agents.manage"
    template_name = "form_page.html"
    success_message = "Agent {object.code} saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"Edit agent {self.object.code}"
        context["cancel_url"] = reverse("agents:detail", kwargs={"code": self.object.code})
        return context

    def save_with_service(self, form):
        return agent_update(actor=self.request.user, agent=self.get_object(), **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()
