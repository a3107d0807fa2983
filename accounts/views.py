from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy
from django.views.generic import TemplateView

from accounts.forms import UserCreateForm
from accounts.models import User, linked_model
from accounts.permissions import MANAGERS
from accounts.registry import home_sections
from accounts.scoping import AGENT, CLIENT, effective_role
from accounts.selectors import user_list
from accounts.services import user_create
from bpo_portal.pages import ScopedCreateView, ScopedListView, ScopedMixin
from clients.models import Client

# The master data the home page counts and lists, through User's relations to it.
Agent = linked_model("agent")
Process = linked_model("assigned_processes")
Team = linked_model("led_teams")


class HomeView(ScopedMixin, TemplateView):
    """The landing page, by role: the sections the apps register for it (accounts.registry: an
    agent's open items, evaluations to acknowledge and figures today; a client user's SLA status
    and latest report; a team leader's queues and outliers), and for staff who oversee processes
    the processes they cover (managers also the master-data counts)."""

    capability = "home.view"
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        role = effective_role(self.request.user)
        context["role"] = role
        context["sections"] = home_sections(self.request, role)
        context["show_processes"] = role not in (AGENT, CLIENT)
        if context["show_processes"]:
            processes = self.scoped(Process).select_related("client").prefetch_related("sla_targets")
            context["processes"] = processes.order_by("client__code", "code")
        if role in MANAGERS:
            context["counts"] = {
                "clients": self.scoped(Client).count(),
                "processes": self.scoped(Process).count(),
                "teams": self.scoped(Team).count(),
                "agents": self.scoped(Agent).filter(active=True).count(),
            }
        if role == CLIENT:
            context["client"] = self.request.user.client
        if role == AGENT:
            context["agent"] = self.scoped(Agent).select_related("team").filter(user=self.request.user).first()
        context["can_manage"] = self.can("clients.manage")
        return context


class UserListView(ScopedListView):
    model = User
    capability = "users.view"
    template_name = "accounts/user_list.html"
    search_fields = ("username", "first_name", "last_name", "email")

    def base_queryset(self):
        queryset = user_list(user=self.request.user)
        role = self.request.GET.get("role")
        return queryset.filter(role=role) if role else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("users.manage")
        context["roles"] = User._meta.get_field("role").choices
        context["role"] = self.request.GET.get("role", "")
        return context


class UserCreateView(ScopedCreateView):
    model = User
    form_class = UserCreateForm
    capability = "users.manage"
    template_name = "form_page.html"
    cancel_url_name = "accounts:user_list"
    success_message = "User {object.username} created."
    extra_context = {"title": "New user"}

    def save_with_service(self, form):
        return user_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("accounts:user_list")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(ScopedMixin, auth_views.PasswordChangeView):
    capability = "account.self"
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(ScopedMixin, auth_views.PasswordChangeDoneView):
    capability = "account.self"
    template_name = "registration/password_change_done.html"
