from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The ledger of changed days (processes) knows nothing of the engine: the engine registers
        # the recompute of the marked days, queued once the marking transaction commits.
        from processes import ledger
        from reporting.tasks import queue_recompute

        ledger.on_days_marked(queue_recompute)
