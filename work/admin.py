from django.contrib import admin

from work.models import WorkItem, WorkItemEvent, WorkSettings


class WorkItemEventInline(admin.TabularInline):
    model = WorkItemEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "kind", "from_status", "to_status", "from_agent", "to_agent", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the portal's services so the audit trail stays whole."""

    list_display = ["id", "title", "process", "type", "priority", "status", "assignee", "due_at"]
    list_filter = ["status", "type", "priority", "process"]
    search_fields = ["title", "customer_ref", "external_id", "process__code", "assignee__code"]
    list_select_related = ["process", "assignee"]
    readonly_fields = [f.name for f in WorkItem._meta.fields]
    inlines = [WorkItemEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(WorkSettings)
class WorkSettingsAdmin(admin.ModelAdmin):
    list_display = ["process", "auto_assign", "max_open_per_agent", "last_agent"]
    list_filter = ["auto_assign"]
