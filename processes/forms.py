from django import forms

from accounts.scoping import scope_q
from bpo_portal.forms import TimezoneField, UserAwareModelForm
from calendars.models import ServiceCalendar
from clients.models import Client
from processes.models import Process, SLATarget


class ProcessForm(UserAwareModelForm):
    timezone = TimezoneField(required=False, help_text="Local days for KPIs are days in this zone.")

    class Meta:
        model = Process
        fields = ["client", *Process.EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(scope_q(Client, self.user))
        calendars = ServiceCalendar.objects.filter(scope_q(ServiceCalendar, self.user)).select_related("client")
        if self.instance.pk:
            self.fields["client"].disabled = True
            self.fields["client"].help_text = "A process stays with its client."
            calendars = calendars.filter(client_id=self.instance.client_id)
        self.fields["calendar"].queryset = calendars
        self.fields["calendar"].empty_label = "None (open 24 × 7)"
        self.fields["calendar"].help_text = "Opening hours of the client's service: TAT counts open time only."

    def clean_timezone(self):
        # Empty means "the client's"; the service fills it in.
        return self.cleaned_data.get("timezone") or ""

    def _post_clean(self):
        if not self.cleaned_data.get("timezone") and self.cleaned_data.get("client"):
            self.instance.timezone = self.cleaned_data["client"].timezone
            self.cleaned_data["timezone"] = self.cleaned_data["client"].timezone
        super()._post_clean()


class SLATargetForm(forms.ModelForm):
    class Meta:
        model = SLATarget
        fields = list(SLATarget.EDITABLE_FIELDS)
        widgets = {
            "metric": forms.Select(attrs={"class": "form-select"}),
            "comparator": forms.Select(attrs={"class": "form-select"}),
            "target": forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"}),
            "credit_percent": forms.NumberInput(
                attrs={"class": "form-control", "step": "0.01", "min": "0", "max": "100"}
            ),
        }

    def has_changed(self):
        # A blank extra row (no metric, no target) is skipped, whatever its default credit says.
        if self.instance.pk is None:
            return any(self.data.get(self.add_prefix(name)) for name in ("metric", "comparator", "target"))
        return super().has_changed()


class _ProcessTargets(forms.BaseInlineFormSet):
    """The targets of the process being edited, read through its related manager (in scope)."""

    def __init__(self, *args, instance=None, queryset=None, **kwargs):
        if queryset is None and instance is not None and instance.pk is not None:
            queryset = instance.sla_targets.all()
        super().__init__(*args, instance=instance, queryset=queryset, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Each row's hidden id is looked up among the same targets (Django would read them all).
        form.fields[self._pk_field.name].queryset = self.get_queryset()


SLATargetFormSet = forms.inlineformset_factory(
    Process,
    SLATarget,
    form=SLATargetForm,
    formset=_ProcessTargets,
    extra=2,
    can_delete=True,
    validate_min=False,
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header line, in the interaction import format. All or nothing: "
        "a file with any invalid row imports nothing and lists the errors.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload
