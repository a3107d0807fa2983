from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The ledger of changed days (processes) knows nothing of the engine: the engine registers
        # the recompute of the marked days, queued once the marking transaction commits.
        from processes import ledger  # noqa: PLC0415 - in ready(), once the app registry is loaded
        from reporting.tasks import queue_recompute  # noqa: PLC0415 - in ready(), once the app registry is loaded

        ledger.on_days_marked(queue_recompute)
