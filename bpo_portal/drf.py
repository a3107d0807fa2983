"""API settings hooks named in REST_FRAMEWORK (kept free of view imports: DRF loads them early)."""

import io

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.dateparse import parse_datetime
from rest_framework import permissions, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

from accounts.permissions import has_capability
from bpo_portal.parsing import offset_problem, parse_aware_datetime, unstorable_character


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
    """`?page=` (from 1) and `?page_size=` (default PAGE_SIZE; more than 1000 is capped at 1000,
    API.md). A page_size that is no whole number ≥ 1 (`null`, `0`, `2.5`) is a 400, not silently
    the default; a page past the last is a 404 (DRF's "Invalid page.")."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":  # an empty parameter is no parameter, as for every filter
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            message = f"A whole number of at least 1 (at most {self.max_page_size} are returned)."
            raise ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Results per page (default {self.page_size}); more than {self.max_page_size} is capped at that."
                )
        return parameters


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
    # Not at the top: rest_framework.views reads DEFAULT_PERMISSION_CLASSES (this module) on import.
    from rest_framework.views import exception_handler as drf_exception_handler  # noqa: PLC0415

    return drf_exception_handler(exc, context)


# --- hostile input (bpo_portal/parsing.py): one parser, one datetime rule --------------------------


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with limits: the body at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (Django
    checks that only for forms), nesting at most MAX_DEPTH arrays/objects deep, and no string or
    key holding a character the database cannot store (NUL, a lone surrogate). Each answers 400
    with {"detail": …} before any view sees the data."""

    MAX_DEPTH = 32

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read(limit + 1 if limit is not None else -1)
        if limit is not None and len(raw) > limit:
            raise ParseError(f"The request body is larger than the limit of {limit:,} bytes ({limit // 2**20} MB).")
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {self.MAX_DEPTH} levels deep.") from None
        problem = _json_problem(data, self.MAX_DEPTH)
        if problem:
            raise ParseError(problem)
        return data


def _json_problem(data, max_depth: int) -> str | None:
    """Why parsed JSON `data` is refused (too deep, an unstorable character), or None."""
    pending = [(data, 1, "")]
    while pending:
        value, depth, path = pending.pop()
        if isinstance(value, str):
            found = unstorable_character(value)
            if found:
                return f"{path or 'The body'} contains {found}, which cannot be stored: remove it."
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            return f"JSON parse error - nested more than {max_depth} levels deep (at {path or 'the top'})."
        if isinstance(value, dict):
            for key, item in value.items():
                found = unstorable_character(key)
                if found:
                    return f"A key in {path or 'the body'} contains {found}, which cannot be stored: remove it."
                pending.append((item, depth + 1, f"{path}.{key}" if path else key))
        else:
            pending.extend((item, depth + 1, f"{path}[{index}]") for index, item in enumerate(value))
    return None


def _offset_error(value) -> str | None:
    """The offset problem of an ISO-8601 timestamp text, or None (also for text that is no
    timestamp at all: the field's own parser reports that)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    return None if parsed is None else offset_problem(parsed)


class AwareDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField that refuses an offset no time zone uses (+19:31: PostgreSQL cannot
    store ±16:00 and beyond). Every ModelSerializer's DateTimeField is one (mapping below)."""

    def to_internal_value(self, value):
        problem = _offset_error(value)
        if problem:
            raise ValidationError(f"'{value}': {problem}.")
        return super().to_internal_value(value)


serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = AwareDateTimeField


class AwareIsoDateTimeFormField(django_filters.fields.IsoDateTimeField):
    """A filter's ISO-8601 timestamp: with a UTC offset (or Z) that a real zone uses."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_aware_datetime(str(value))
        except ValueError as exc:
            raise DjangoValidationError(str(exc), code="invalid") from None


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?due_before=2026-10-01T09:00:00+05:30`: ISO-8601 with an offset from −12:00 to +14:00."""

    field_class = AwareIsoDateTimeFormField
