"""The Django admin of recompute runs (read-mostly: runs are started from the recompute page or
`manage.py recompute`)."""

from django.contrib import admin

from recompute.models import RecomputeRun, RecomputeShard


class ShardInline(admin.TabularInline):
    model = RecomputeShard
    extra = 0
    can_delete = False
    fields = ("process", "step", "start", "end", "status", "attempts", "rows", "seconds", "error")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "start", "end", "status", "shard_days", "refresh_flags", "requested_by", "created_at")
    list_filter = ("status",)
    readonly_fields = ("definition_version", "created_at", "started_at", "finished_at")
    inlines = [ShardInline]
