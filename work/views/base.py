"""Small helpers the work pages share."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def to_int(value) -> int | None:
    """An integer from a form value, or None when it is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_errors(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
