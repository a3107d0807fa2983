"""The forecast page's forms: the pinned method and a planner's adjustment (the rules are in
workforce.services; these only read the fields)."""

from django import forms

from workforce.models import ForecastMethod


class MethodForm(forms.Form):
    forecast_method = forms.ChoiceField(
        label="Forecast method",
        required=False,
        choices=[("", "Automatic (lowest backtest WAPE)"), *ForecastMethod.choices],
    )


class AdjustmentForm(forms.Form):
    day = forms.DateField(required=False, help_text="A whole local day, or give a start and an end instead.",
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    start = forms.DateTimeField(required=False, label="From (local time)",
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    end = forms.DateTimeField(required=False, label="Until (local time, exclusive)",
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    # Not required here: the service names what is missing, with the rule (one message per field).
    percent = forms.CharField(
        required=False, label="Change (%)", help_text="From −100 to +1000: 20 = 20 % more contacts."
    )
    note = forms.CharField(required=False, max_length=500, help_text="Why: a campaign, an outage, a holiday.")
