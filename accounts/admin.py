from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "client", "is_active", "last_login"]
    list_filter = ["role", "is_active", "client"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Portal role and scope", {"fields": ["role", "client", "assigned_clients", "assigned_processes"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("Portal role and scope", {"fields": ["role", "client"]}),
    ]
    filter_horizontal = ["groups", "user_permissions", "assigned_clients", "assigned_processes"]
