from django import forms

from accounts.models import Role, linked_model
from accounts.scoping import OPS_MANAGER, effective_role, scope_q
from accounts.services import ROLES_OPS_MAY_CREATE
from clients.models import Client

# The agent record and the processes a login is linked to, through User's relations.
Agent = linked_model("agent")
Process = linked_model("assigned_processes")


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, help_text="For client users.")
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(), required=False, help_text="For agent logins: their agent record."
    )
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.none(),
        required=False,
        help_text="For operations managers: limit them to these clients (none = all).",
    )
    processes = forms.ModelMultipleChoiceField(
        queryset=Process.objects.none(), required=False, help_text="For QA analysts: the processes they audit."
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        visible_clients = Client.objects.filter(scope_q(Client, user))
        self.fields["client"].queryset = visible_clients
        self.fields["clients"].queryset = visible_clients
        self.fields["processes"].queryset = Process.objects.filter(scope_q(Process, user))
        self.fields["agent"].queryset = Agent.objects.filter(scope_q(Agent, user), user__isnull=True)
        if effective_role(user) == OPS_MANAGER:
            self.fields["role"].choices = [
                (value, label) for value, label in Role.choices if value in ROLES_OPS_MAY_CREATE
            ]
