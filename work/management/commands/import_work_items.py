import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from processes.imports import ImportFailed
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
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user {user!r}") from None
        failed = 0
        for path in paths:
            try:
                if path == "-":
                    report = import_work_items(sys.stdin.buffer, user=actor)
                else:
                    with open(path, "rb") as stream:
                        report = import_work_items(stream, user=actor)
            except FileNotFoundError:
                self.stderr.write(f"{path}: no such file")
                failed += 1
                continue
            except ImportFailed as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc.report.error_count} error(s); nothing was imported from this file")
                for line in exc.report.error_lines():
                    self.stderr.write(f"{path}: {line}")
                continue
            self.stdout.write(
                f"{path}: {report.rows} rows, {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.auto_assigned} assigned automatically"
            )
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed; see the errors above", returncode=1)
