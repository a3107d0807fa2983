"""Reading service calendars, always in the caller's scope."""

from django.db.models import Count

from calendars.models import ServiceCalendar


def calendar_list(*, user):
    """The calendars `user` may see, with their client and how many weekly ranges and holidays."""
    return (
        ServiceCalendar.objects.visible_to(user)
        .select_related("client")
        .annotate(range_count=Count("hours", distinct=True), holiday_count=Count("holidays", distinct=True))
        .order_by("code")
    )


def calendar_processes(calendar, *, user):
    """The processes naming `calendar` that `user` may see."""
    Process = ServiceCalendar._meta.get_field("processes").related_model
    return Process.objects.visible_to(user).filter(calendar=calendar).order_by("code")
