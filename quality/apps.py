from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"

    def ready(self):
        # The role home sections and the navigation's notification count (see accounts.registry).
        from quality import home_sections

        home_sections.register()
