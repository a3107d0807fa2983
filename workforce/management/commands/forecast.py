import time

from django.core.management.base import BaseCommand, CommandError

from processes.models import Process
from workforce import forecasting, services


def _wape(value) -> str:
    return "—" if value is None else f"{value:.2f} %"


class Command(BaseCommand):
    help = (
        "Forecast every active process (or --process): backtest each method over the last 28 local "
        "days, choose one, write the forecast of the next 42 days; prints the method, the WAPE per "
        "method and the seconds per process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--process", action="append", metavar="CODE", help="process code (repeatable)")

    def handle(self, *args, process=None, **options):
        processes = Process.objects.select_related("calendar")
        if process:
            processes = processes.filter(code__in=process)
            missing = set(process) - set(processes.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no process {', '.join(sorted(missing))}")
        else:
            processes = processes.filter(active=True)
        started = time.perf_counter()
        count = 0
        for item in processes.order_by("code"):
            run = services.forecast_run(process=item).run
            wapes = ", ".join(f"{m} {_wape(run.wape.get(m))}" for m in forecasting.METHODS)
            chosen = f"{run.method}{' (pinned)' if run.pinned else ''}"
            self.stdout.write(f"{item.code}: {chosen}; WAPE {wapes}; {run.seconds:.2f} s")
            count += 1
        self.stdout.write(f"{count} process(es) in {time.perf_counter() - started:.1f} s")
