"""The form that starts a recompute run (recompute.services.run_create checks it again)."""

from django import forms

from bpo_portal.parsing import FIRST_DATE_YEAR, LAST_DATE_YEAR
from recompute.services import MAX_SHARD_DAYS


class RunForm(forms.Form):
    processes = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        help_text="None chosen: every process.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    start = forms.DateField(required=False, help_text="First local day (empty: the first with data).",
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(required=False, help_text="Last local day (empty: the last with data).",
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    shard_days = forms.IntegerField(initial=31, min_value=1, max_value=MAX_SHARD_DAYS, label="Days per shard",
                                    help_text="Each shard is one process and this many days: one task.")  # fmt: skip
    refresh_flags = forms.BooleanField(required=False, label="Re-evaluate repeat-contact flags first",
                                       help_text="A backfill after the FCR or short-abandon rule changed.")  # fmt: skip
    note = forms.CharField(required=False, max_length=300, help_text="Why (shown in the list).")

    def __init__(self, *args, processes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["processes"].queryset = processes

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "end"):
            day = cleaned.get(name)
            if day is not None and not FIRST_DATE_YEAR <= day.year <= LAST_DATE_YEAR:
                self.add_error(name, f"Choose a date from {FIRST_DATE_YEAR} to {LAST_DATE_YEAR}.")
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day is before the first.")
        return cleaned
