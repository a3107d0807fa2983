from django.core.management.base import BaseCommand

from bpo_portal.commands import import_files
from processes.imports import import_csv


class Command(BaseCommand):
    help = (
        "Import interaction CSV files (the import format: the Imports page offers a template CSV). "
        "Each file is all or nothing; '-' reads standard input. Errors go to stderr and the exit status "
        "is 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV file, or - for standard input")
        parser.add_argument(
            "--user",
            help="import as this user (only into processes they may manage); default: any process",
        )

    def handle(self, *args, paths, user=None, **options):
        def summary(report, seconds):
            rate = report.rows / seconds if seconds else 0
            text = (
                f"{report.rows} rows, {report.created} created, {report.updated} updated "
                f"in {seconds:.1f} s ({rate:,.0f} rows/s); {report.marked_days} day(s) marked for KPIs"
            )
            # Which processes and local days changed, one indented line per process.
            return "\n".join([text, *(f"  {line}" for line in report.change_lines())])

        import_files(self, paths=paths, username=user, importer=import_csv, summary=summary)
