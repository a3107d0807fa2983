from django.core.management.base import BaseCommand

from bpo_portal.commands import import_files
from work.imports import import_work_items


class Command(BaseCommand):
    help = (
        "Import work-item CSV files (columns: see the import page). Each file is all or nothing; '-' reads "
        "standard input. Errors go to stderr and the exit status is 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV file, or - for standard input")
        parser.add_argument("--user", help="import as this user (only into their processes); default: any process")

    def handle(self, *args, paths, user=None, **options):
        def summary(report, seconds):
            return (
                f"{report.rows} rows, {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.auto_assigned} assigned automatically"
            )

        import_files(self, paths=paths, username=user, importer=import_work_items, summary=summary)
