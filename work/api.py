"""`/api/v1/work-items/` (GET, POST, PATCH) and `/api/v1/work-items/{id}/assign/` (POST)."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.permissions import has_capability
from accounts.scoping import scope_q
from agents.models import Agent
from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from bpo_portal.drf import AwareDateTimeFilter
from processes.models import Interaction, Process
from work.models import PRIORITY_BY_NAME, PRIORITY_NAMES, Status, WorkItem
from work.services import (
    UPDATE_FIELDS,
    WorkItemConflict,
    work_item_assign,
    work_item_create,
    work_item_transition,
    work_item_update,
)


class PriorityField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(PRIORITY_BY_NAME), **kwargs)

    def to_representation(self, value):
        return PRIORITY_NAMES.get(value, value)

    def to_internal_value(self, data):
        return PRIORITY_BY_NAME[super().to_internal_value(data)]


class WorkItemSerializer(ModelSerializer):
    process = ScopedSlugRelatedField(model=Process, help_text="Process code.")
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = ScopedSlugRelatedField(
        model=Agent, required=False, allow_null=True, help_text="Agent code (on create; later use …/assign/)."
    )
    priority = PriorityField(required=False, help_text="low, normal, high or urgent.")
    interaction = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        source="interaction.external_id",
        help_text="External id of an interaction of the same process this item came from.",
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Read on create. On PATCH: in_progress, on_hold, done (the assignee) or cancelled "
        "(team leader / manager), with a `note` for on_hold, done and cancelled.",
    )
    note = serializers.CharField(required=False, allow_blank=True, write_only=True)
    version = serializers.IntegerField(
        required=False, help_text="On PATCH: the version you read; a stale one is refused with 409."
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "process",
            "client",
            "external_id",
            "type",
            "title",
            "details",
            "customer_ref",
            "priority",
            "received_at",
            "due_at",
            "status",
            "assignee",
            "interaction",
            "version",
            "assigned_at",
            "started_at",
            "completed_at",
            "handle_seconds",
            "overdue",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "client",
            "assigned_at",
            "started_at",
            "completed_at",
            "handle_seconds",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"due_at": {"required": False}, "received_at": {"required": False}}

    def get_overdue(self, item) -> bool:
        return item.is_overdue()

    def _interaction(self, process, data):
        ref = data.pop("interaction", None)
        external_id = (ref or {}).get("external_id") if isinstance(ref, dict) else None
        if not external_id:
            return None
        found = Interaction.objects.filter(
            scope_q(Interaction, self.context["request"].user), process=process, external_id=external_id
        ).first()
        if found is None:
            raise serializers.ValidationError({"interaction": f"No interaction '{external_id}' in {process.code}."})
        return found

    def create(self, data):
        user = self.context["request"].user
        for name in ("status", "note", "version"):
            data.pop(name, None)
        data["interaction"] = self._interaction(data["process"], data)
        return work_item_create(actor=user, **data)

    def update(self, item, data):
        user = self.context["request"].user
        version = data.pop("version", None)
        to = data.pop("status", None)
        note = data.pop("note", "")
        data.pop("assignee", None)
        process = data.pop("process", item.process)
        if process != item.process:
            raise serializers.ValidationError({"process": "An item stays with its process."})
        if "interaction" in data:
            data["interaction"] = self._interaction(item.process, data)
        fields = {k: v for k, v in data.items() if k in UPDATE_FIELDS}
        unknown = set(data) - UPDATE_FIELDS
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
        if fields:
            if not has_capability(user, "work.manage"):
                raise PermissionDenied("Only a team leader or a manager can edit a work item.")
            item = work_item_update(actor=user, item=item, expected_version=version, **fields)
            version = item.version
        if to is not None and to != item.status:
            item = work_item_transition(actor=user, item=item, to=to, note=note, expected_version=version)
        return item


class AssignSerializer(serializers.Serializer):
    agent = serializers.CharField(allow_null=True, allow_blank=True, help_text="Agent code; null to unassign.")
    version = serializers.IntegerField(required=False, help_text="The version you read (optimistic lock).")
    note = serializers.CharField(required=False, allow_blank=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()


class WorkItemFilter(django_filters.FilterSet):
    process = django_filters.CharFilter(field_name="process__code", help_text="Process code.")
    assignee = django_filters.CharFilter(field_name="assignee__code", help_text="Agent code.")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    due_before = AwareDateTimeFilter(
        field_name="due_at", lookup_expr="lt", help_text="ISO-8601 timestamp with a UTC offset (−12:00 … +14:00) or Z."
    )

    class Meta:
        model = WorkItem
        fields = ["process", "assignee", "status", "type", "unassigned", "due_before"]


def _conflict_response(exc) -> Response:
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)


class WorkItemViewSet(ScopedViewSet):
    """Work items (back-office tasks, callbacks, escalations, follow-ups), earliest due first.

    Agents see only their own items and may PATCH `status` (with `note`); team leaders and
    managers create, edit and assign. `version` guards against lost updates: a PATCH or assign
    with a stale version answers 409 and changes nothing.
    """

    queryset = WorkItem.objects.select_related("process", "client", "assignee", "interaction")
    serializer_class = WorkItemSerializer
    filterset_class = WorkItemFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    capabilities = {
        "list": "work.view",
        "retrieve": "work.view",
        "create": "work.manage",
        "partial_update": "work.view",
        "assign": "work.assign",
    }
    capability = "work.manage"

    def get_queryset(self):
        return super().get_queryset().order_by("due_at", "-priority", "id")

    def perform_update(self, serializer):
        serializer.save()

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except WorkItemConflict as exc:
            return _conflict_response(exc)

    @extend_schema(request=AssignSerializer, responses={200: WorkItemSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign (or with `"agent": null` unassign) the item; the agent must be active and
        staffed on the item's process."""
        item = self.get_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = body.validated_data.get("agent") or ""
        agent = None
        if code:
            agent = Agent.objects.filter(scope_q(Agent, request.user), code=code).first()
            if agent is None:
                raise serializers.ValidationError({"agent": [f"No agent '{code}'."]})
        try:
            item = work_item_assign(
                actor=request.user,
                item=item,
                agent=agent,
                expected_version=body.validated_data.get("version"),
                note=body.validated_data.get("note", ""),
            )
        except WorkItemConflict as exc:
            return _conflict_response(exc)
        except DjangoValidationError:
            raise
        return Response(WorkItemSerializer(item, context=self.get_serializer_context()).data)
