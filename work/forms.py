from django import forms
from django.utils import timezone

from accounts.scoping import scope_q
from processes.models import Process
from work.models import Priority, WorkSettings, WorkType


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WorkItemForm(forms.Form):
    """Create or edit a work item; the view passes the cleaned data to the work services."""

    process = forms.ModelChoiceField(queryset=Process.objects.none(), to_field_name="code")
    type = forms.ChoiceField(choices=WorkType.choices, initial=WorkType.BACK_OFFICE)
    title = forms.CharField(max_length=200)
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    customer_ref = forms.CharField(label="Customer reference", max_length=100, required=False)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    received_at = forms.DateTimeField(
        label="Received", required=False, widget=DateTimeLocalInput(), help_text="Empty: now."
    )
    due_at = forms.DateTimeField(
        label="Due",
        required=False,
        widget=DateTimeLocalInput(),
        help_text="Empty: received + the process's turnaround target.",
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = Process.objects.filter(scope_q(Process, user), active=True).order_by("code")
        if editing:
            self.fields["process"].disabled = True
            self.fields["process"].help_text = "An item stays with its process."

    def clean_received_at(self):
        return self.cleaned_data.get("received_at") or None

    def clean(self):
        data = super().clean()
        received = data.get("received_at") or timezone.now()
        due = data.get("due_at")
        if due and due < received:
            self.add_error("due_at", "The due time cannot be before the item was received.")
        return data


class WorkImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, header first; up to 10,000 rows.")


class WorkSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkSettings
        fields = ["auto_assign", "max_open_per_agent"]
