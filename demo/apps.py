from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`). On top of every other app, so it may import them
    all: it calls each app's own demo builder (accounts' logins, quality, work, the generated
    interactions) and the services that compute the KPIs and issue the reports. No app imports
    it."""

    name = "demo"
    verbose_name = "Demo data"
