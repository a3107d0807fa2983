import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import scope_q
from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from bpo_portal.tasks import broker_note, enqueue_failures
from bpo_portal.timezones import validate_timezone
from calendars.models import ServiceCalendar
from clients.models import Client
from processes.imports import COLUMNS, ImportFailed, import_records
from processes.models import Interaction, Process, SLATarget
from processes.services import process_create, process_update


class SLATargetSerializer(ModelSerializer):
    class Meta:
        model = SLATarget
        fields = list(SLATarget.EDITABLE_FIELDS)
        extra_kwargs = {"credit_percent": {"required": False}}


class ProcessSerializer(ModelSerializer):
    client = ScopedSlugRelatedField(model=Client)
    timezone = serializers.CharField(
        required=False, allow_blank=True, help_text="IANA time zone; defaults to the client's."
    )
    sla_targets = SLATargetSerializer(many=True, required=False)
    calendar = ScopedSlugRelatedField(
        model=ServiceCalendar,
        required=False,
        allow_null=True,
        help_text="Service calendar code (one of the process's client's) or null: open 24 × 7.",
    )

    class Meta:
        model = Process
        # The API shows `client` right after `code` (the published field order).
        fields = ["code", "client", *Process.EDITABLE_FIELDS[1:], "sla_targets"]

    def validate_timezone(self, value):
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

    queryset = Process.objects.select_related("client", "calendar").prefetch_related("sla_targets")
    serializer_class = ProcessSerializer
    capabilities = {"list": "processes.view", "retrieve": "processes.view"}
    capability = "processes.manage"
    filterset_class = ProcessFilter


class InteractionSerializer(ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Interaction
        fields = [*COLUMNS, "local_date"]
        read_only_fields = fields


class InteractionFilter(django_filters.FilterSet):
    process = django_filters.CharFilter(field_name="process__code", help_text="Process code.")
    agent = django_filters.CharFilter(field_name="agent__code", help_text="Agent code.")
    start = django_filters.DateFilter(
        field_name="local_date", lookup_expr="gte", help_text="First local date (YYYY-MM-DD), inclusive."
    )
    end = django_filters.DateFilter(
        field_name="local_date", lookup_expr="lte", help_text="Last local date (YYYY-MM-DD), inclusive."
    )

    class Meta:
        model = Interaction
        fields = ["process", "agent", "start", "end"]


class InteractionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Imported interactions, newest first; dates are local dates of the process."""

    queryset = Interaction.objects.select_related("process", "agent").order_by("-arrived_at", "-id")
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    capability = "interactions.view"

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(scope_q(Interaction, self.request.user))


class BulkDaysSerializer(serializers.Serializer):
    process = serializers.CharField()
    timezone = serializers.CharField(help_text="The process's time zone: the days are its local days.")
    start = serializers.DateField()
    end = serializers.DateField()


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    days = BulkDaysSerializer(many=True, help_text="Ranges of consecutive local days changed, per process.")
    notes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Present when the records were imported but something is still to happen, e.g. "
        '"KPIs will be recomputed by the worker\'s sweep: the broker is unreachable (…)".',
    )


class BulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())


class InteractionBulkView(APIView):
    """Import up to 10,000 interactions (a JSON array in the import format), all or nothing.

    Re-sending a record with the same (process, external_id) updates it. Errors are listed as
    "line N, column C: reason", N being the record's position in the array (from 1).
    """

    capability = "interactions.import"

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={200: BulkResultSerializer, 400: BulkErrorSerializer},
    )
    def post(self, request):
        try:
            # The records are committed before their KPI recompute is queued; a broker that
            # cannot be reached does not turn this success into an error.
            with enqueue_failures() as unqueued:
                report = import_records(request.data, user=request.user)
        except ImportFailed as failed:
            return Response(import_error_body(failed.report), status=status.HTTP_400_BAD_REQUEST)
        body = {"created": report.created, "updated": report.updated, "days": report.day_ranges()}
        if note := broker_note(unqueued, "KPIs will be recomputed by the worker's sweep"):
            body["notes"] = [note]
        return Response(body)


def import_error_body(report) -> dict:
    return {
        "detail": f"{report.error_count} error(s); nothing was imported.",
        "error_count": report.error_count,
        "errors": report.error_lines(),
        "error_details": [e.as_dict() for e in sorted(report.errors)],
    }
