from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"

    def ready(self):
        # A service calendar's hours change the TAT of the processes naming it: calendars (below
        # processes) fires its hook, processes marks every day of those processes.
        from calendars.services import on_calendar_changed  # noqa: PLC0415 - in ready(), once the app registry is loaded
        from processes.open_time import calendar_changed  # noqa: PLC0415 - in ready(), once the app registry is loaded

        on_calendar_changed(calendar_changed)
