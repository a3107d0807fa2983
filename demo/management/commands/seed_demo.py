"""`manage.py seed_demo`: the whole demo, in one transaction, through each app's own builder.

Master data (demo.master_data, with accounts' demo logins), ~90 days of generated interactions
(processes.demo_interactions) through the normal import, today's work items (work.demo), the
quality data (quality.demo), then the KPIs of everything marked and last month's client reports.
"""

import csv
import shutil
import tempfile
import time
import zoneinfo
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from demo import planning
from demo.master_data import demo_logins, seed_master_data
from processes.demo_interactions import COLUMNS, demo_interaction_rows
from processes.imports import ImportFailed, import_csv
from processes.models import Interaction, Process
from quality import demo as quality_demo
from reporting.tasks import recompute_marked_kpis
from sla.reports.services import reports_demo_last_month, reports_root
from work import demo as work_demo

# Demo users have addresses at demo.invalid: the seeding's notifications (SLA alerts, new
# evaluations) stay in the portal and are not mailed or printed over the login table.
QUIET_EMAIL = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = (
        "Load the demo data: master data once, then ~90 days of interactions ending now, imported "
        "through the normal import service (KPIs follow), last month's reports, today's work items "
        "and the quality data. All in one transaction: if any part fails, nothing is saved. Run "
        "again later, it tops the interactions up to the current time and adds the day's work items."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the login table.")
        parser.add_argument("--days", type=int, default=90, help="days of history on a first run (default 90)")
        parser.add_argument("--scale", type=float, default=1.0, help="volume factor (default 1.0, ~200k rows)")
        parser.add_argument("--no-interactions", action="store_true", help="master data only")

    def handle(self, *args, quiet_logins=False, days=90, scale=1.0, no_interactions=False, **options):
        started = time.perf_counter()
        reports_before = _report_folders()
        try:
            with override_settings(EMAIL_BACKEND=QUIET_EMAIL), transaction.atomic():
                self._seed(days=days, scale=scale, no_interactions=no_interactions)
        except BaseException as exc:
            # The transaction is rolled back; the report files written meanwhile go too.
            for folder in _report_folders() - reports_before:
                shutil.rmtree(folder, ignore_errors=True)
            self.stderr.write(
                f"Demo seeding FAILED ({type(exc).__name__}: {exc}). Nothing was saved: the database is as it "
                "was before this run. The details follow."
            )
            raise
        self.stdout.write(f"Demo data ready in {time.perf_counter() - started:.0f} s.")
        if not quiet_logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role, note in [*demo_logins(), *quality_demo.DEMO_LOGINS]:
                self.stdout.write(f"  {username:<14} {role:<20} {note}")

    def _seed(self, *, days: int, scale: float, no_interactions: bool) -> None:
        created = seed_master_data()
        self.stdout.write("Demo master data created." if created else "Demo master data already present.")
        admin = User.objects.get(username="admin")
        calendars = planning.seed_calendars(admin, timezone.now().date())
        self.stdout.write("Demo calendars created." if calendars else "Demo calendars already present.")
        if not no_interactions:
            self._interactions(days, scale)
        made = work_demo.seed_work_items()
        self.stdout.write(f"Demo work items: {made} created." if made else "Demo work items for today already present.")
        quality = quality_demo.seed_quality()
        self.stdout.write("Demo quality data created." if quality else "Demo quality data already present.")
        if not no_interactions:
            # The KPIs of everything seeded (imported days, completed work items, evaluations), now
            # rather than after the commit: last month's reports read them, and a report issued
            # before the evaluations would at once differ from the current figures.
            recompute_marked_kpis()
            made = reports_demo_last_month()
            self.stdout.write(f"Demo reports: {', '.join(made)}." if made else "Demo reports already present.")
            forecasts = planning.seed_forecasts()
            self.stdout.write(f"Demo forecasts (6 weeks ahead, chosen by backtest WAPE): {forecasts}.")

    def _interactions(self, days: int, scale: float) -> None:
        now = timezone.now()
        last = Interaction.objects.aggregate(last=Max("arrived_at"))["last"]
        topup = None
        if last is not None:
            if now - last < timedelta(minutes=30):
                self.stdout.write("Demo interactions are up to date.")
                return
            days = _days_since_last_data(now)
            topup = _TopUp(now.date() - timedelta(days=days + 1))
        started = time.perf_counter()
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            for row in demo_interaction_rows(end=now, days=days, scale=scale):
                if topup is None or topup.admit(row):
                    writer.writerow(row)
            handle.seek(0)
            try:
                report = import_csv(handle, user=None)
            except ImportFailed as failed:  # a bug in the generator: say so loudly
                for line in failed.report.error_lines():
                    self.stderr.write(line)
                raise
        kept = f", {topup.kept:,} earlier ones kept as they were" if topup else ""
        self.stdout.write(
            f"Demo interactions: {report.created:,} created, {report.updated:,} updated{kept} over {days} day(s), "
            f"KPIs computed, in {time.perf_counter() - started:.0f} s."
        )


class _TopUp:
    """Which regenerated rows a top-up imports. The generator draws the regenerated days afresh,
    so they differ from the rows already there; what was there stays, and only the time since
    is added:

    - a row that arrives after the process's last arrival so far is new: imported, numbered
      after that day's existing rows (so it never overwrites one);
    - a row that arrives before it is imported only in place of a row still open (an email not
      picked up yet), which it may finish; finished rows — which evaluations, reports and
      repeat-contact flags refer to — are never rewritten, and the day's volume stays the same.
    """

    def __init__(self, since):
        generated = Interaction.objects.filter(local_date__gte=since).exclude(external_id__startswith="WI-")
        self.open: set[tuple[str, str]] = set()
        self.next_index: dict[tuple[str, str], int] = {}
        for code, external_id, ended in generated.values_list("process__code", "external_id", "ended_at"):
            prefix, _, index = external_id.rpartition("-")
            if ended is None:
                self.open.add((code, external_id))
            if index.isdigit():
                key = (code, prefix)
                self.next_index[key] = max(self.next_index.get(key, 1), int(index) + 1)
        self.horizon = dict(
            Interaction.objects.exclude(external_id__startswith="WI-")
            .values("process__code")
            .annotate(last=Max("arrived_at"))
            .values_list("process__code", "last")
        )
        self.kept = 0

    def admit(self, row: dict) -> bool:
        code = row["process"]
        horizon = self.horizon.get(code)
        if horizon is None or datetime.fromisoformat(row["arrived_at"]) > horizon:
            prefix = row["external_id"].rpartition("-")[0]
            key = (code, prefix)
            if key in self.next_index:  # a day with rows already: continue its numbering
                row["external_id"] = f"{prefix}-{self.next_index[key]:06d}"
                self.next_index[key] += 1
            return True
        if (code, row["external_id"]) in self.open:
            return True
        self.kept += 1
        return False


def _days_since_last_data(now) -> int:
    """Local days to regenerate so that every process's window (its local today back) starts on
    its last local day with data: at least 1."""
    days = 1
    last_days = Interaction.objects.values("process_id").annotate(last=Max("local_date"))
    zones = dict(Process.objects.values_list("pk", "timezone"))
    for row in last_days:
        today = timezone.localdate(now, timezone=zoneinfo.ZoneInfo(zones[row["process_id"]]))
        days = max(days, (today - row["last"]).days + 1)
    return days


def _report_folders() -> set:
    root = reports_root()
    return set(root.glob("*/*/v*")) if root.exists() else set()
