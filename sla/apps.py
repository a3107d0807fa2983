from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self):
        # The role home sections this app contributes (accounts renders them; see accounts.registry).
        from sla import home_sections

        home_sections.register()
        # After the KPI engine recomputes marked days, check the SLA targets for breach alerts
        # (the engine knows nothing of SLAs: it runs the hooks registered with it).
        from reporting import hooks
        from sla.tasks import evaluate_sla_alerts_after_recompute

        hooks.after_recompute(evaluate_sla_alerts_after_recompute)
