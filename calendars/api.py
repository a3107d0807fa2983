"""GET, POST, PATCH /api/v1/calendars/ and …/{code}/ (API.md): a client's service calendar with
its weekly hours and holidays as nested lists; a list given on write replaces the stored one."""

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from calendars.models import Holiday, OpeningHours, ServiceCalendar, Weekday
from calendars.services import calendar_create, calendar_update
from clients.models import Client


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class ClockField(serializers.TimeField):
    """A local wall-clock time as HH:MM (in and out)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class HoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday … 6 = Sunday.")
    start = ClockField(help_text="HH:MM, local wall-clock time of the process.")
    end = ClockField(help_text="HH:MM, after the start (the same day).")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "start", "end"]

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start (a range ends the same day)."})
        return attrs


class HolidaySerializer(serializers.ModelSerializer):
    start = ClockField(
        required=False,
        allow_null=True,
        help_text="HH:MM; with no start and end the date is closed all day.",
    )
    end = ClockField(required=False, allow_null=True, help_text="HH:MM, after the start.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)

    class Meta:
        model = Holiday
        fields = ["date", "start", "end", "name"]

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: "Give both a start and an end, or neither (closed all day)."})
        if start is not None and end <= start:
            raise serializers.ValidationError({"end": "The end must be after the start (a range ends the same day)."})
        return attrs


class CalendarSerializer(ModelSerializer):
    client = ScopedSlugRelatedField(model=Client, help_text="Client code; a calendar stays with its client.")
    hours = HoursSerializer(many=True, required=False, help_text="Weekly opening hours; several ranges a day allowed.")
    holidays = HolidaySerializer(many=True, required=False, help_text="Dates closed all day or with their own hours.")

    class Meta:
        model = ServiceCalendar
        fields = ["code", "client", "name", "hours", "holidays"]

    def create(self, validated_data):
        return calendar_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return calendar_update(actor=self.context["request"].user, calendar=instance, **validated_data)


class CalendarFilter(django_filters.FilterSet):
    client = django_filters.CharFilter(field_name="client__code", help_text="Client code.")

    class Meta:
        model = ServiceCalendar
        fields = ["client"]


class CalendarViewSet(ScopedViewSet):
    """Service calendars (KPIS.md): weekly opening hours in the process's time zone and holidays.
    TAT of the processes naming a calendar runs in its open time. On PATCH, `hours` and
    `holidays` (when present) each replace the whole list, and every day of those processes is
    recomputed."""

    queryset = ServiceCalendar.objects.select_related("client").prefetch_related("hours", "holidays")
    serializer_class = CalendarSerializer
    capabilities = {"list": "calendars.view", "retrieve": "calendars.view"}
    capability = "calendars.manage"
    filterset_class = CalendarFilter
