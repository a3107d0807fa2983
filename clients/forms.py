from bpo_portal.forms import TimezoneField, UserAwareModelForm
from bpo_portal.units import DEFAULT_CURRENCY
from clients.models import Client


class ClientForm(UserAwareModelForm):
    timezone = TimezoneField(help_text="IANA time zone, e.g. America/New_York. New processes default to it.")

    class Meta:
        model = Client
        fields = [
            "code",
            "name",
            "timezone",
            "active",
            "show_agent_names",
            "monthly_fee",
            "currency",
            "credit_cap_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False  # left empty: the default currency

    def clean_currency(self):
        """Accept "usd" as USD (the code is validated in capitals); empty means the default."""
        return (self.cleaned_data.get("currency") or "").strip().upper() or DEFAULT_CURRENCY
