import time
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from processes.models import Process
from recompute import selectors, services
from recompute.models import RecomputeRun, RunStatus


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def progress_line(run: RecomputeRun) -> str:
    p = selectors.run_progress(run)
    return (
        f"run {run.pk} {run.get_status_display().lower()}: shards {p.done}/{p.total} done"
        f"{f', {p.failed} failed' if p.failed else ''}, {p.running} running · days {p.days_done}/{p.days_total}"
        f" ({p.percent:.0f} %) · {p.rows} component rows · elapsed {p.elapsed_text}"
        f" · ETA {p.eta_text}"
    )


class Command(BaseCommand):
    help = (
        "Recompute KPI components across Celery workers: the days of every process (or --process) in "
        "shards of --shard-days days, one task per shard, printing shards done / total with an ETA "
        "until the run ends. --follow RUN follows an earlier run; --retry RUN queues its failed shards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--process", action="append", metavar="CODE", help="process code (repeatable)")
        parser.add_argument("--start", type=_day, help="first local date, YYYY-MM-DD (default: the first with data)")
        parser.add_argument("--end", type=_day, help="last local date, YYYY-MM-DD (default: the last with data)")
        parser.add_argument("--shard-days", type=int, default=31, help="days per shard (1–366, default 31)")
        parser.add_argument(
            "--refresh-flags", action="store_true", help="first re-evaluate the repeat-contact flags (a backfill)"
        )
        parser.add_argument("--note", default="", help="why (shown on the recompute page)")
        parser.add_argument("--follow", type=int, metavar="RUN", help="follow run RUN instead of starting one")
        parser.add_argument("--retry", type=int, metavar="RUN", help="queue the failed shards of run RUN again")
        parser.add_argument("--no-wait", action="store_true", help="queue the shards and return")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between progress lines")

    def handle(self, *args, **options):
        if options["follow"] or options["retry"]:
            run = RecomputeRun.objects.filter(pk=options["follow"] or options["retry"]).first()
            if run is None:
                raise CommandError(f"no recompute run {options['follow'] or options['retry']}")
            if options["retry"]:
                self.stdout.write(f"queued {services.shards_retry(run)} failed shard(s) of run {run.pk} again")
        else:
            run = self.start(options)
        if not options["no_wait"]:
            self.follow(run, options["interval"])
        run.refresh_from_db()
        self.stdout.write(progress_line(run))
        if run.status == RunStatus.FAILED:
            raise CommandError(f"run {run.pk}: shards failed; see the recompute page, then --retry {run.pk}")

    def start(self, options) -> RecomputeRun:
        processes = None
        if options["process"]:
            processes = list(Process.objects.filter(code__in=options["process"]))
            missing = set(options["process"]) - {p.code for p in processes}
            if missing:
                raise CommandError(f"no process {', '.join(sorted(missing))}")
        try:
            run = services.run_create(
                processes=processes,
                start=options["start"],
                end=options["end"],
                shard_days=options["shard_days"],
                refresh_flags=options["refresh_flags"],
                note=options["note"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        queued = services.run_dispatch(run)
        self.stdout.write(f"run {run.pk}: {run.shards.count()} shard(s), {queued} queued")
        return run

    def follow(self, run: RecomputeRun, interval: float) -> None:
        last = ""
        while True:
            run.refresh_from_db()
            if run.status in (RunStatus.DONE, RunStatus.FAILED):
                return
            line = progress_line(run)
            if line != last:
                self.stdout.write(line)
                last = line
            time.sleep(max(0.2, interval))
