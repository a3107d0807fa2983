from django.db.models import Count, Q

from accounts.scoping import scope_q
from clients.models import Client


def client_list(*, user):
    """The clients `user` may see, with how many (visible) processes each has."""
    # processes.Process, through the relation it declares to its client (`client.processes`).
    Process = Client._meta.get_field("processes").related_model
    visible_processes = Process.objects.filter(scope_q(Process, user)).values("pk")
    return (
        Client.objects.visible_to(user)
        .annotate(process_count=Count("processes", filter=Q(processes__in=visible_processes), distinct=True))
        .order_by("code")
    )
