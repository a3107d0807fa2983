import django_filters
from rest_framework import serializers

from bpo_portal.api import ScopedSlugRelatedField, ScopedViewSet
from clients.models import Client
from processes.models import Process, SLATarget
from processes.services import process_create, process_update


class SLATargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = ["metric", "comparator", "target", "credit_percent"]
        extra_kwargs = {"credit_percent": {"required": False}}


class ProcessSerializer(serializers.ModelSerializer):
    client = ScopedSlugRelatedField(model=Client)
    timezone = serializers.CharField(
        required=False, allow_blank=True, help_text="IANA time zone; defaults to the client's."
    )
    sla_targets = SLATargetSerializer(many=True, required=False)

    class Meta:
        model = Process
        fields = [
            "code",
            "client",
            "name",
            "channel",
            "timezone",
            "sl_threshold_seconds",
            "short_abandon_seconds",
            "fcr_window_days",
            "sl_formula",
            "tat_hours",
            "active",
            "sla_targets",
        ]

    def validate_timezone(self, value):
        from bpo_portal.timezones import validate_timezone

        if value:
            validate_timezone(value)
        return value

    def create(self, validated_data):
        return process_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return process_update(actor=self.context["request"].user, process=instance, **validated_data)


class ProcessFilter(django_filters.FilterSet):
    client = django_filters.CharFilter(field_name="client__code", help_text="Client code.")

    class Meta:
        model = Process
        fields = ["client", "channel", "active"]


class ProcessViewSet(ScopedViewSet):
    """Processes (lines of work for a client) with their KPI settings and nested SLA targets.

    On PATCH, `sla_targets` (when present) replaces the process's whole list of targets.
    """

    queryset = Process.objects.select_related("client").prefetch_related("sla_targets")
    serializer_class = ProcessSerializer
    capabilities = {"list": "processes.view", "retrieve": "processes.view"}
    capability = "processes.manage"
    filterset_class = ProcessFilter
