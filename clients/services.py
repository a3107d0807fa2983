from django.db import transaction

from accounts.scoping import OPS_MANAGER, effective_role
from bpo_portal.services import set_fields, validated_save
from clients.models import Client

# The fields a client's master data is edited by, in the order forms and the API show them
# (one list for the form, the serializer and the services).
CLIENT_FIELDS = [
    *("code", "name", "timezone", "active", "show_agent_names"),
    *("monthly_fee", "currency", "credit_cap_percent"),
]


@transaction.atomic
def client_create(*, actor, code: str, name: str, timezone: str, **fields) -> Client:
    """Create a client. An operations manager limited to some clients gets the new one assigned,
    so that they can go on to set it up."""
    client = Client(code=code, name=name, timezone=timezone)
    set_fields(client, fields, allowed=set(CLIENT_FIELDS))
    validated_save(client)
    if effective_role(actor) == OPS_MANAGER and actor.assigned_clients.exists():
        actor.assigned_clients.add(client)
    return client


@transaction.atomic
def client_update(*, actor, client: Client, **fields) -> Client:
    """Change a client's fields. The code may change; every reference is by key, not by code."""
    set_fields(client, fields, allowed=set(CLIENT_FIELDS))
    return validated_save(client)
