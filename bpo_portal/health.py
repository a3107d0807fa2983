from django.db import connection

from clients.models import Client


def health_status() -> dict:
    """A cheap round trip to the database: its vendor and how many clients it holds."""
    clients = Client.objects.unscoped("the health check counts rows as a database round trip; no row is shown")
    return {"status": "ok", "database": connection.vendor, "clients": clients.count()}
