from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The role home sections this app contributes (accounts renders them; see accounts.registry).
        from reporting import home_sections

        home_sections.register()
