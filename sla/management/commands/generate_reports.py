from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from reporting.periods import parse_month
from sla.reports.services import reports_generate_month


class Command(BaseCommand):
    help = "Generate the monthly client reports (PDF, XLSX, CSV) of a month, for every active client or one."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--client", help="client code (default: every active client)")
        parser.add_argument("--no-email", action="store_true", help="do not email client users")

    def handle(self, *args, month, client=None, no_email=False, **options):
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        clients = None
        if client:
            clients = list(Client.objects.filter(code__iexact=client))
            if not clients:
                raise CommandError(f"No client with code {client!r}.")
        failed = 0
        for each, result in reports_generate_month(
            month=first, clients=clients, trigger="command", notify=not no_email
        ):
            if isinstance(result, Exception):
                failed += 1
                self.stderr.write(f"{each.code} {first:%Y-%m}: FAILED ({type(result).__name__}: {result})")
            else:
                self.stdout.write(
                    f"{each.code} {first:%Y-%m}: version {result.number} in {result.duration_ms} ms "
                    f"({result.summary.get('met', 0)} met, {result.summary.get('missed', 0)} missed)"
                )
        if failed:
            raise CommandError(f"{failed} report(s) failed; the previous versions stay served.")
