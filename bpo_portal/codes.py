"""Business codes: the keys of clients, processes, teams and agents in URLs and the API."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper

from bpo_portal.tenancy import UNIQUENESS, cross_tenant

CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}"
CODE_MAX_LENGTH = 50

code_validator = RegexValidator(
    rf"^{CODE_PATTERN}\Z",
    "Use 1-50 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. ACME-VOICE).",
    code="invalid_code",
)


class CodeConverter:
    """URL converter for business codes, so /clients/<code:code>/ matches exactly the valid codes."""

    regex = CODE_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def code_field(**kwargs) -> models.CharField:
    return models.CharField(
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[code_validator],
        help_text="Unique business key used in URLs and the API, e.g. ACME-VOICE.",
        **kwargs,
    )


def unique_code_ci(model_name: str, label: str) -> models.UniqueConstraint:
    """Codes differing only in case (acme vs ACME) would confuse people and imports alike."""
    return models.UniqueConstraint(
        Upper("code"),
        name=f"{model_name}_code_unique_ci",
        violation_error_message=f"A {label} with this code (ignoring case) already exists.",
        violation_error_code="code_not_unique_ci",
    )


class CodedModelMixin:
    """Reports a case-insensitive duplicate code on the `code` field, where people look for it.
    Codes are unique across tenants: the checks read every tenant's rows on purpose (UNIQUENESS),
    also when a model form runs them."""

    def validate_unique(self, exclude=None):
        with cross_tenant(UNIQUENESS):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude=None):
        try:
            with cross_tenant(UNIQUENESS):
                super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            moved = [e for e in general if getattr(e, "code", None) == "code_not_unique_ci"]
            rest = [e for e in general if e not in moved]
            if moved:
                errors.setdefault("code", []).extend(moved)
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None
