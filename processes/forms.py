from django import forms

from accounts.scoping import scope_q
from bpo_portal.forms import TimezoneField, UserAwareModelForm
from clients.models import Client
from processes.models import Process, SLATarget


class ProcessForm(UserAwareModelForm):
    timezone = TimezoneField(required=False, help_text="Local days for KPIs are days in this zone.")

    class Meta:
        model = Process
        fields = [
            "client",
            "code",
            "name",
            "channel",
            "timezone",
            "sl_threshold_seconds",
            "short_abandon_seconds",
            "fcr_window_days",
            "sl_formula",
            "tat_hours",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(scope_q(Client, self.user))
        if self.instance.pk:
            self.fields["client"].disabled = True
            self.fields["client"].help_text = "A process stays with its client."

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
        fields = ["metric", "comparator", "target", "credit_percent"]
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


SLATargetFormSet = forms.inlineformset_factory(
    Process,
    SLATarget,
    form=SLATargetForm,
    extra=2,
    can_delete=True,
    validate_min=False,
)
