import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from processes.imports import ImportFailed, import_csv


class Command(BaseCommand):
    help = (
        "Import interaction CSV files (IMPORT_FORMAT.md). Each file is all or nothing; '-' reads "
        "standard input. Errors go to stderr and the exit status is 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV file, or - for standard input")
        parser.add_argument(
            "--user",
            help="import as this user (only into processes they may manage); default: any process",
        )

    def handle(self, *args, paths, user=None, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user {user!r}") from None
        failed = 0
        for path in paths:
            started = time.perf_counter()
            try:
                if path == "-":
                    report = import_csv(sys.stdin.buffer, user=actor)
                else:
                    with open(path, "rb") as stream:
                        report = import_csv(stream, user=actor)
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
            seconds = time.perf_counter() - started
            rate = report.rows / seconds if seconds else 0
            self.stdout.write(
                f"{path}: {report.rows} rows, {report.created} created, {report.updated} updated "
                f"in {seconds:.1f} s ({rate:,.0f} rows/s); {report.marked_days} day(s) marked for KPIs"
            )
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed; see the errors above", returncode=1)
