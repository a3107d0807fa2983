from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self):
        # The role home sections this app contributes (accounts renders them; see accounts.registry).
        from sla import home_sections  # noqa: PLC0415 - in ready(), once the app registry is loaded

        home_sections.register()
        # After the KPI engine recomputes marked days, check the SLA targets for breach alerts
        # (the engine knows nothing of SLAs: it runs the hooks registered with it).
        from reporting import hooks  # noqa: PLC0415 - in ready(), once the app registry is loaded
        from sla.tasks import evaluate_sla_alerts_after_recompute  # noqa: PLC0415 - in ready(), once the app registry is loaded

        hooks.after_recompute(evaluate_sla_alerts_after_recompute)
