from bpo_portal.forms import TimezoneField, UserAwareModelForm
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

    def clean_currency(self):
        """Accept "usd" as USD: the code is validated in capitals."""
        return (self.cleaned_data.get("currency") or "").strip().upper()
