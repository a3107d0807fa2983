from django import forms

from bpo_portal.timezones import timezone_choices


class UserAwareModelForm(forms.ModelForm):
    """A ModelForm that knows who is filling it in, to limit its choices to the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class TimezoneField(forms.ChoiceField):
    def __init__(self, *, required=True, **kwargs):
        choices = timezone_choices()
        if not required:
            choices = [("", "— same as the client —"), *choices]
        super().__init__(choices=choices, required=required, **kwargs)
