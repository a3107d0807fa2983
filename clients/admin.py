from django.contrib import admin

from clients.models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone", "active", "show_agent_names", "monthly_fee", "currency"]
    list_filter = ["active", "show_agent_names"]
    search_fields = ["code", "name"]
