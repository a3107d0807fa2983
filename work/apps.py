from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"
    verbose_name = "Work items"

    def ready(self):
        # The role home sections this app contributes (accounts renders them; see accounts.registry).
        from work import home_sections  # noqa: PLC0415 - in ready(), once the app registry is loaded

        home_sections.register()
