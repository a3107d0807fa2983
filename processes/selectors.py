from accounts.scoping import scope_q
from processes.models import Process


def process_list(*, user, client=None):
    """The processes `user` may see (optionally of one client), with client and SLA targets."""
    queryset = Process.objects.filter(scope_q(Process, user)).select_related("client").prefetch_related("sla_targets")
    if client is not None:
        queryset = queryset.filter(client=client)
    return queryset


def process_get(*, user, code: str) -> Process:
    """One process by code, or Process.DoesNotExist when it is not visible to `user`."""
    return process_list(user=user).get(code=code)
