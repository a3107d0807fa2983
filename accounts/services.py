from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from accounts.scoping import ADMIN, OPS_MANAGER, effective_role
from bpo_portal.services import validated_save
from bpo_portal.tenancy import UNIQUENESS, cross_tenant

# Operations managers create the logins of the people and clients they manage, not their peers.
ROLES_OPS_MAY_CREATE = {Role.TEAM_LEADER, Role.QA_ANALYST, Role.AGENT, Role.CLIENT}


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    client=None,
    agent=None,
    clients=(),
    processes=(),
) -> User:
    """Create a login with one role and the links that role needs (ROLES.md).

    - `client` (a Client) is required for role client and refused for any other role;
    - `agent` (an Agent without a login) links an agent login to its agent record;
    - `clients` limits an operations manager to those clients (none = all);
    - `processes` are the processes a QA analyst audits.
    """
    actor_role = effective_role(actor)
    if actor_role == OPS_MANAGER and role not in ROLES_OPS_MAY_CREATE:
        raise ValidationError({"role": "Operations managers cannot create administrators or operations managers."})
    if actor_role not in (ADMIN, OPS_MANAGER):
        raise ValidationError({"role": "You may not create users."})

    errors = _link_errors(role, client=client, agent=agent, clients=clients, processes=processes)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        client=client,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    _add_field_errors(user, password, errors)
    if errors:
        raise ValidationError(errors)

    user.set_password(password)
    user.save()
    if clients:
        user.assigned_clients.set(clients)
    if processes:
        user.assigned_processes.set(processes)
    if agent is not None:
        agent.user = user
        validated_save(agent)
    return user


def _link_errors(role: str, *, client, agent, clients, processes) -> dict[str, list[str]]:
    """{field: messages} for links the role cannot have (or lacks), in the form's field order."""
    errors: dict[str, list[str]] = {}
    if role == Role.CLIENT and client is None:
        errors["client"] = ["A client user must belong to a client."]
    if role != Role.CLIENT and client is not None:
        errors["client"] = ["Only users with role client belong to a client."]
    if agent is not None and role != Role.AGENT:
        errors["agent"] = ["Only users with role agent can be linked to an agent."]
    if agent is not None and agent.user_id is not None:
        errors["agent"] = [f"Agent {agent.code} already has a login ({agent.user.username})."]
    if clients and role != Role.OPS_MANAGER:
        errors["clients"] = ["Only operations managers are limited to clients."]
    if processes and role != Role.QA_ANALYST:
        errors["processes"] = ["Only QA analysts are assigned processes."]
    return errors


def _add_field_errors(user: User, password: str, errors: dict[str, list[str]]) -> None:
    """Add the password's and the user's own field errors (a taken username among them: checked
    across tenants, usernames are unique portal-wide) to `errors`."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    try:
        with cross_tenant(UNIQUENESS):
            user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
