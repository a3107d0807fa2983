from bpo_portal.forms import TimezoneField, UserAwareModelForm
from clients.models import Client


class ClientForm(UserAwareModelForm):
    timezone = TimezoneField(help_text="IANA time zone, e.g. America/New_York. New processes default to it.")

    class Meta:
        model = Client
        fields = ["code", "name", "timezone", "active", "show_agent_names", "monthly_fee", "credit_cap_percent"]
