"""API settings hooks named in REST_FRAMEWORK (kept free of view imports: DRF loads them early)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from accounts.permissions import has_capability


class CapabilityPermission(permissions.BasePermission):
    """Default deny: a view must name a capability for the action, or be marked public.

    `capability` applies to every action; `capabilities` maps action names (`list`, `retrieve`,
    `create`, `partial_update`, or a custom action) to capabilities.
    """

    def has_permission(self, request, view):
        if getattr(view, "public", False):
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        capability = required_capability(view)
        return capability is not None and has_capability(request.user, capability)


def required_capability(view) -> str | None:
    by_action = getattr(view, "capabilities", None) or {}
    action = getattr(view, "action", None)
    if action in by_action:
        return by_action[action]
    return getattr(view, "capability", None)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
