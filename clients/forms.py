from bpo_portal.forms import TimezoneField, UserAwareModelForm
from bpo_portal.units import DEFAULT_CURRENCY
from clients.models import Client
from clients.services import CLIENT_FIELDS


class ClientForm(UserAwareModelForm):
    timezone = TimezoneField(help_text="IANA time zone, e.g. America/New_York. New processes default to it.")

    class Meta:
        model = Client
        fields = CLIENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False  # left empty: the default currency

    def clean_currency(self):
        """Accept "usd" as USD (the code is validated in capitals); empty means the default."""
        return (self.cleaned_data.get("currency") or "").strip().upper() or DEFAULT_CURRENCY
