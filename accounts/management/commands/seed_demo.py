import csv
import tempfile
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Max
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, demo_logins, seed_master_data
from processes.demo_interactions import COLUMNS, demo_interaction_rows
from processes.imports import ImportFailed, import_csv
from processes.models import Interaction


class Command(BaseCommand):
    help = (
        "Load the demo data: master data once, then ~90 days of interactions ending now, imported "
        "through the normal import service (KPIs follow). Run again later, it tops the interactions "
        "up to the current time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the login table.")
        parser.add_argument("--days", type=int, default=90, help="days of history on a first run (default 90)")
        parser.add_argument("--scale", type=float, default=1.0, help="volume factor (default 1.0, ~200k rows)")
        parser.add_argument("--no-interactions", action="store_true", help="master data only")

    def handle(self, *args, quiet_logins=False, days=90, scale=1.0, no_interactions=False, **options):
        created = seed_master_data()
        self.stdout.write("Demo master data created." if created else "Demo master data already present.")
        if not no_interactions:
            self._interactions(days, scale)
            from reporting.reports.services import reports_demo_last_month

            made = reports_demo_last_month()
            self.stdout.write(f"Demo reports: {', '.join(made)}." if made else "Demo reports already present.")
        from work.demo import seed_work_items

        made = seed_work_items()
        self.stdout.write(f"Demo work items: {made} created." if made else "Demo work items for today already present.")
        from quality.demo import seed_quality

        quality = seed_quality()
        self.stdout.write("Demo quality data created." if quality else "Demo quality data already present.")
        if not quiet_logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role, note in demo_logins():
                self.stdout.write(f"  {username:<14} {role:<20} {note}")
            from quality.demo import DEMO_LOGINS as QUALITY_LOGINS

            for username, role, note in QUALITY_LOGINS:
                self.stdout.write(f"  {username:<14} {role:<20} {note}")

    def _interactions(self, days: int, scale: float) -> None:
        now = timezone.now()
        last = Interaction.objects.aggregate(last=Max("arrived_at"))["last"]
        if last is not None:
            if now - last < timedelta(minutes=30):
                self.stdout.write("Demo interactions are up to date.")
                return
            # Regenerate from the last day with data: same ids, so those rows update in place.
            days = (now.date() - last.date()).days + 1
        started = time.perf_counter()
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            for row in demo_interaction_rows(end=now, days=days, scale=scale):
                writer.writerow(row)
            handle.seek(0)
            try:
                report = import_csv(handle, user=None)
            except ImportFailed as failed:  # a bug in the generator: say so loudly
                for line in failed.report.error_lines():
                    self.stderr.write(line)
                raise
        self.stdout.write(
            f"Demo interactions: {report.created:,} created, {report.updated:,} updated over {days} day(s), "
            f"KPIs computed, in {time.perf_counter() - started:.0f} s."
        )
