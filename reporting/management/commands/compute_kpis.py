import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from processes.models import Process
from reporting import engine


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Recompute KPI components synchronously: every day with interactions (or --start/--end) "
        "of every process (or --process). With --marked, only the days marked by imports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--process", action="append", metavar="CODE", help="process code (repeatable)")
        parser.add_argument("--start", type=_day, help="first local date, YYYY-MM-DD")
        parser.add_argument("--end", type=_day, help="last local date, YYYY-MM-DD")
        parser.add_argument("--marked", action="store_true", help="only the marked (process, day) pairs")
        parser.add_argument(
            "--refresh-flags",
            action="store_true",
            help="first re-evaluate every interaction's repeat-contact flag (repair; slow on big tables)",
        )

    def handle(self, *args, process=None, start=None, end=None, marked=False, refresh_flags=False, **options):
        if (start is None) != (end is None):
            raise CommandError("give both --start and --end, or neither")
        if start and end and start > end:
            raise CommandError("--end is before --start")
        processes = Process.objects.all()
        if process:
            processes = processes.filter(code__in=process)
            missing = set(process) - set(processes.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no process {', '.join(sorted(missing))}")
        started = time.perf_counter()
        if marked:
            done = engine.recompute_marked([p.pk for p in processes] if process else None)
            self.stdout.write(f"recomputed {done['days']} marked day(s) of {done['processes']} process(es)")
        elif not process:
            rows = engine.recompute_all(start, end, refresh_flags=refresh_flags)
            self.stdout.write(f"all processes: {rows} component row(s)")
        else:
            for item in processes.order_by("code"):
                rows = engine.recompute_range(item, start, end, refresh_flags=refresh_flags)
                self.stdout.write(f"{item.code}: {rows} component row(s)")
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
