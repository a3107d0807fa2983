from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedQuerySet
from bpo_portal.codes import CodedModelMixin, code_field, unique_code_ci
from bpo_portal.timezones import validate_timezone
from bpo_portal.units import DEFAULT_CURRENCY, validate_currency


class Client(CodedModelMixin, models.Model):
    """A customer of the BPO: the tenant. Everything a client user may see hangs off one Client."""

    code = code_field()
    name = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64,
        validators=[validate_timezone],
        help_text="IANA time zone, e.g. America/New_York. New processes default to it.",
    )
    active = models.BooleanField(default=True)
    show_agent_names = models.BooleanField(
        default=False,
        help_text="Whether this client's users may see the names of the agents on their processes.",
    )
    monthly_fee = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The contract's monthly fee, in the contract's currency; service credits are a percentage of it.",
    )
    currency = models.CharField(
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[validate_currency],
        help_text="ISO 4217 code of the contract's currency (e.g. USD, EUR, GBP, INR), for the fee and the credits.",
    )
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Optional cap on the service credits owed in one month, as % of the monthly fee.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [unique_code_ci("client", "client")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("clients:detail", kwargs={"code": self.code})
