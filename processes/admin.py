from django.contrib import admin

from processes.models import Process, SLATarget


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 1


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "client", "channel", "timezone", "sl_threshold_seconds", "sl_formula", "active"]
    list_filter = ["channel", "sl_formula", "active", "client"]
    search_fields = ["code", "name", "client__code"]
    list_select_related = ["client"]
    inlines = [SLATargetInline]
