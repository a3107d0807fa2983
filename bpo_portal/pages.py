"""The shared base of every page: login, capability check, tenant scoping, service-backed forms.

A page view derived from `ScopedMixin` names the capability it needs; anonymous users are sent
to the login page, a role without the capability gets 403 before anything is looked up, and the
queryset (for lists, details and edits) is filtered to the caller's scope, so an object outside
it is a 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from accounts.permissions import has_capability
from accounts.scoping import scope_q


class ScopedMixin(LoginRequiredMixin):
    capability: str | None = None
    model = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must name the capability it needs.")
        if not has_capability(request.user, self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, model):
        return model.objects.filter(scope_q(model, self.request.user))

    def get_queryset(self):
        return self.scoped(self.model)

    def can(self, capability: str) -> bool:
        return has_capability(self.request.user, capability)


class ByCodeMixin:
    slug_field = "code"
    slug_url_kwarg = "code"


class ScopedListView(ScopedMixin, ListView):
    """A list with a search box (`q` over `search_fields`) and pagination."""

    paginate_by = 50
    search_fields: tuple[str, ...] = ("code", "name")

    def base_queryset(self):
        """The scoped rows before search; override to annotate or prefetch (keep it scoped)."""
        return self.get_scoped_queryset()

    def get_scoped_queryset(self):
        return self.scoped(self.model)

    def get_queryset(self):
        queryset = self.base_queryset()
        query = self.request.GET.get("q", "").strip()
        if query:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": query})
            queryset = queryset.filter(condition)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        return context


class ScopedDetailView(ScopedMixin, ByCodeMixin, DetailView):
    pass


class ServiceFormMixin:
    """Saves through a service: `save_with_service(form)` returns the object or raises
    ValidationError, whose messages are shown on the form (nothing is written)."""

    success_message = "Saved."

    def save_with_service(self, form):  # pragma: no cover - each view provides it
        raise NotImplementedError

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            self.object = self.save_with_service(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(object=self.object))

        return redirect(self.get_success_url())


class ScopedCreateView(ScopedMixin, ServiceFormMixin, CreateView):
    cancel_url_name: str | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.cancel_url_name:
            context.setdefault("cancel_url", reverse(self.cancel_url_name))
        return context


class ScopedUpdateView(ScopedMixin, ByCodeMixin, ServiceFormMixin, UpdateView):
    def form_invalid(self, form):
        # Validating a ModelForm writes the submitted values onto its instance: the page's title
        # and links name the object as stored (a refused code such as "-1" is no URL).
        self.object = self.get_object()
        return super().form_invalid(form)
