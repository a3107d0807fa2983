"""Helpers shared by the apps' services."""

from django.core.exceptions import ValidationError
from django.db import models

from bpo_portal.tenancy import UNIQUENESS, cross_tenant


def validated_save(instance: models.Model, *, exclude: list[str] | None = None) -> models.Model:
    """Run every model validation (fields, clean(), unique and check constraints), then save.

    Services are the single place where writes happen, so the pages, the API and the command
    line all get the same rules and the same messages. The unique fields and constraints are
    checked across tenants, on purpose (bpo_portal.tenancy.UNIQUENESS).
    """
    with cross_tenant(UNIQUENESS):
        instance.full_clean(exclude=exclude)
    instance.save()
    return instance


def set_fields(instance: models.Model, fields: dict, *, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    for name, value in fields.items():
        setattr(instance, name, value)
