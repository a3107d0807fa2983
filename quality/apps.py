from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"

    def ready(self):
        # The role home sections and the navigation's notification count (see accounts.registry).
        from quality import home_sections  # noqa: PLC0415 - in ready(), once the app registry is loaded

        home_sections.register()
