"""The calendar form: the calendar's fields, its weekly hours and its holidays as two formsets of
repeated rows (a blank row is skipped, a row ticked "delete" is removed)."""

from django import forms
from django.utils import timezone

from accounts.scoping import scope_q
from bpo_portal.forms import UserAwareModelForm
from calendars.models import ServiceCalendar, Weekday
from calendars.services import holiday_countries
from clients.models import Client

_TIME = {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), "input_formats": ["%H:%M"]}


class CalendarForm(UserAwareModelForm):
    class Meta:
        model = ServiceCalendar
        fields = ["client", "code", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(scope_q(Client, self.user))
        if self.instance.pk:
            self.fields["client"].disabled = True
            self.fields["client"].help_text = "A calendar stays with its client."


class HoursRowForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=[("", "—"), *Weekday.choices], coerce=int, required=False)
    start = forms.TimeField(required=False, label="Opens", **_TIME)
    end = forms.TimeField(required=False, label="Closes", help_text="Local time, the same day.", **_TIME)

    def clean(self):
        data = super().clean()
        if any(data.get(name) not in (None, "") for name in ("weekday", "start", "end")):
            for name in ("weekday", "start", "end"):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, "Required for an opening range.")
            if data.get("start") and data.get("end") and data["end"] <= data["start"]:
                self.add_error("end", "Closes after it opens (a range ends the same day).")
        return data


class HolidayRowForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(required=False, label="Opens", **_TIME)
    end = forms.TimeField(required=False, label="Closes", help_text="Both empty: closed all day.", **_TIME)
    name = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        filled = any(data.get(name) for name in ("start", "end", "name"))
        if filled and not data.get("date") and "date" not in self.errors:
            self.add_error("date", "Required for a holiday.")
        if (data.get("start") is None) != (data.get("end") is None) and not self.errors:
            self.add_error("end" if data.get("end") is None else "start", "Give both times, or neither.")
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "Closes after it opens.")
        return data


HoursFormSet = forms.formset_factory(HoursRowForm, extra=3, can_delete=True)
HolidayFormSet = forms.formset_factory(HolidayRowForm, extra=2, can_delete=True)


def rows(formset, keys) -> list[dict]:
    """The filled, not deleted rows of a valid formset as dicts of `keys`."""
    kept = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or not any(data.get(key) not in (None, "") for key in keys):
            continue
        kept.append({key: data.get(key) for key in keys})
    return kept


class PrefillForm(forms.Form):
    country = forms.ChoiceField(help_text="Public holidays of this country (the `holidays` library).")
    subdivision = forms.CharField(
        required=False, max_length=10, help_text="Optional region code, e.g. ENG for England, CA for California."
    )
    year = forms.IntegerField(min_value=1900, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = holiday_countries()
        self.fields["year"].initial = timezone.now().year
