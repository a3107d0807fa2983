from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_logins, seed_master_data


class Command(BaseCommand):
    help = "Load the demo data (idempotent: does nothing when the demo clients already exist)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the login table.")

    def handle(self, *args, quiet_logins=False, **options):
        created = seed_master_data()
        self.stdout.write("Demo master data created." if created else "Demo master data already present.")
        if not quiet_logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role, note in demo_logins():
                self.stdout.write(f"  {username:<14} {role:<20} {note}")
