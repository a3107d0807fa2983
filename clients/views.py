from django.urls import reverse

from bpo_portal.pages import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView
from clients.forms import ClientForm
from clients.models import Client
from clients.selectors import client_list
from clients.services import client_create, client_update


class ClientListView(ScopedListView):
    model = Client
    capability = "clients.view"
    template_name = "clients/client_list.html"

    def base_queryset(self):
        return client_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("clients.manage")
        return context


class ClientDetailView(ScopedDetailView):
    model = Client
    capability = "clients.view"
    template_name = "clients/client_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        processes = self.object.processes.visible_to(self.request.user)
        context["processes"] = processes.prefetch_related("sla_targets").order_by("code")
        context["can_manage"] = self.can("clients.manage")
        context["can_manage_processes"] = self.can("processes.manage")
        return context


class ClientCreateView(ScopedCreateView):
    model = Client
    form_class = ClientForm
    capability = "clients.manage"
    template_name = "form_page.html"
    cancel_url_name = "clients:list"
    success_message = "Client {object.code} created."
    extra_context = {"title": "New client"}

    def save_with_service(self, form):
        return client_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ClientUpdateView(ScopedUpdateView):
    model = Client
    form_class = ClientForm
    capability = "clients.manage"
    template_name = "form_page.html"
    success_message = "Client {object.code} saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"Edit client {self.object.code}"
        context["cancel_url"] = reverse("clients:detail", kwargs={"code": self.object.code})
        return context

    def save_with_service(self, form):
        return client_update(actor=self.request.user, client=self.get_object(), **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()
