from django.contrib import admin

from quality.models import (
    CalibrationSession,
    CoachingAction,
    Criterion,
    Dispute,
    Evaluation,
    EvaluationEvent,
    SamplePlan,
    Scorecard,
    Section,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["name", "process", "version", "is_current", "active", "created_at"]
    list_filter = ["is_current", "active", "process"]
    inlines = [SectionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["text", "section", "points_possible", "weight", "allow_na", "fatal"]
    list_select_related = ["section__scorecard"]


class EventInline(admin.TabularInline):
    model = EvaluationEvent
    extra = 0
    readonly_fields = ["kind", "actor", "note", "score", "at"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    # Read-only here: scores change through the portal's services (disputes, voiding), which
    # keep the history and mark the KPI days.
    list_display = ["pk", "process", "agent", "local_date", "score", "status", "agent_response", "evaluator"]
    list_filter = ["status", "agent_response", "process"]
    list_select_related = ["process", "agent", "evaluator"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "evaluation", "status", "raised_at", "reviewer", "resolved_at"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(CalibrationSession)
admin.site.register(CoachingAction)
admin.site.register(SamplePlan)
