"""The Django admin of calendars (administrators only): a change of hours or holidays marks the
days of the processes naming the calendar, like the portal and the API."""

from django.contrib import admin

from calendars.models import Holiday, OpeningHours, ServiceCalendar
from calendars.services import calendar_changed


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "client")
    search_fields = ("code", "name", "client__code")
    list_select_related = ("client",)
    inlines = [OpeningHoursInline, HolidayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            calendar_changed(form.instance)
