"""GET, POST, PATCH /api/v1/calendars/ and …/{code}/ (API.md): a client's service calendar with
its weekly hours and holidays as nested lists; a list given on write replaces the stored one."""

import django_filters
from rest_framework import serializers

from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from calendars.models import Holiday, OpeningHours, ServiceCalendar, Weekday
from calendars.services import calendar_create, calendar_update
from clients.models import Client

_HHMM = {"format": "%H:%M", "input_formats": ["%H:%M"]}


class HoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday … 6 = Sunday.")
    start = serializers.TimeField(help_text="HH:MM, local wall-clock time of the process.", **_HHMM)
    end = serializers.TimeField(help_text="HH:MM, after the start (the same day).", **_HHMM)

    class Meta:
        model = OpeningHours
        fields = ["weekday", "start", "end"]

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start (a range ends the same day)."})
        return attrs


class HolidaySerializer(serializers.ModelSerializer):
    start = serializers.TimeField(
        required=False, allow_null=True, help_text="HH:MM; with no start and end the date is closed all day.", **_HHMM
    )
    end = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM, after the start.", **_HHMM)
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
