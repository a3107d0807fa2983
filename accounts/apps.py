from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Each app's capabilities and menu entries, declared in its own capabilities.py and
        # navigation.py (accounts.permissions, accounts.registry), found by name as Django's
        # admin finds admin.py: accounts imports no app above it.
        autodiscover_modules("capabilities", "navigation")
