"""Staffing forms: the Erlang what-if calculator (GET) and a process's planning settings."""

from django import forms

from workforce import erlang
from workforce.models import PlanningSettings

INTERVAL_CHOICES = [(15, "15 minutes"), (30, "30 minutes"), (60, "60 minutes")]


class WhatIfForm(forms.Form):
    """The calculator's inputs (the units as `/api/v1/erlang/`); the checks are erlang's, so the
    page refuses exactly what the API refuses, with the message on the field."""

    contacts = forms.FloatField(label="Contacts in the interval", min_value=0, help_text="decimals allowed")
    interval_minutes = forms.TypedChoiceField(label="Interval", choices=INTERVAL_CHOICES, coerce=int, initial=30)
    aht = forms.FloatField(label="AHT (seconds)", help_text="average handle time h")
    target = forms.FloatField(label="Service-level target (%)", help_text="0 ≤ target < 100", initial=80)
    threshold = forms.FloatField(label="Threshold (seconds)", min_value=0, help_text="answered within t", initial=20)
    shrinkage = forms.FloatField(label="Shrinkage (%)", initial=30, help_text="below 100")
    max_occupancy = forms.FloatField(label="Maximum occupancy (%)", initial=85, help_text="above 0, at most 100")
    concurrency = forms.FloatField(label="Concurrency", initial=1, min_value=1, help_text="chat: contacts at once")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.result = erlang.staffing(**self.calculator_inputs())
        except erlang.InputError as exc:
            for name, message in exc.errors.items():
                field = "interval_minutes" if name == "interval_seconds" else name
                self.add_error(field if field in self.fields else None, message)
        return data

    def calculator_inputs(self) -> dict:
        data = self.cleaned_data
        names = ("contacts", "aht", "target", "threshold", "shrinkage", "max_occupancy", "concurrency")
        return {"interval_seconds": data["interval_minutes"] * 60, **{name: data[name] for name in names}}


class PlanningSettingsForm(forms.ModelForm):
    class Meta:
        model = PlanningSettings
        fields = ("max_occupancy", "shrinkage", "concurrency", "paid_hours_per_fte")
