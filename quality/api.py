"""Quality API: /api/v1/scorecards/ and /api/v1/evaluations/ (GET, POST; detail GET), plus the
agent's acknowledge / dispute and the reviewer's resolve as actions on an evaluation.
Writes go through quality.services, reads through the scoped base (404 outside the scope)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scoping import scope_q
from bpo_portal.api import ModelSerializer, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField, ScopedViewSet
from processes.models import Interaction, Process
from quality import services
from quality.models import Answer, Criterion, Dispute, DisputeStatus, Evaluation, Scorecard, Section


class CriterionSerializer(ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "text", "guidance", "points_possible", "weight", "allow_na", "fatal"]
        read_only_fields = ["id"]


class SectionSerializer(ModelSerializer):
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = Section
        fields = ["title", "weight", "criteria"]


class ScorecardSerializer(ModelSerializer):
    process = ScopedSlugRelatedField(model=Process)
    sections = SectionSerializer(many=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "process",
            "name",
            "description",
            "version",
            "lineage",
            "is_current",
            "active",
            "sections",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "version", "lineage", "is_current", "active", "created_by", "created_at"]

    def create(self, validated_data):
        sections = [
            {**section, "criteria": [dict(c) for c in section["criteria"]]} for section in validated_data["sections"]
        ]
        return services.scorecard_create(
            actor=self.context["request"].user,
            process=validated_data["process"],
            name=validated_data["name"],
            description=validated_data.get("description", ""),
            sections=sections,
        )


class ScorecardFilter(django_filters.FilterSet):
    process = django_filters.CharFilter(field_name="process__code", help_text="Process code.")

    class Meta:
        model = Scorecard
        fields = ["process", "is_current"]


class _ByIdViewSet(ScopedViewSet):
    lookup_field = "pk"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]


class ScorecardViewSet(_ByIdViewSet):
    """Scorecards (each row one version). POST creates version 1 with nested sections/criteria;
    edits happen in the portal, where editing a scorecard in use creates a new version."""

    queryset = Scorecard.objects.select_related("process", "created_by").prefetch_related("sections__criteria")
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    capabilities = {"list": "quality.evaluations", "retrieve": "quality.evaluations"}
    capability = "quality.manage"


class AnswerSerializer(ModelSerializer):
    criterion = ScopedPrimaryKeyRelatedField(model=Criterion)
    points_earned = serializers.IntegerField(allow_null=True, min_value=0, help_text="null = not applicable")
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = Answer
        fields = ["criterion", "points_earned", "comment"]


class EvaluationSerializer(ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    evaluator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    interaction = serializers.PrimaryKeyRelatedField(queryset=Interaction.objects.none(), write_only=True)
    external_id = serializers.CharField(source="interaction.external_id", read_only=True)
    answers = AnswerSerializer(many=True)
    supersedes = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "process",
            "interaction",
            "external_id",
            "agent",
            "local_date",
            "scorecard",
            "evaluator",
            "score",
            "fatal_failed",
            "error_free",
            "comment",
            "status",
            "supersedes",
            "agent_response",
            "acknowledged_at",
            "answers",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "local_date",
            "scorecard",
            "score",
            "fatal_failed",
            "error_free",
            "status",
            "agent_response",
            "acknowledged_at",
            "created_at",
        ]

    def get_fields(self):
        fields = super().get_fields()

        request = self.context.get("request")
        user = request.user if request else None
        fields["interaction"].queryset = Interaction.objects.filter(scope_q(Interaction, user))
        return fields

    def validate(self, attrs):
        """Every criterion of the current scorecard answered exactly once (null = not applicable);
        the 400 names each missing or repeated criterion, not only the first."""
        scorecard = services.current_scorecard(attrs["interaction"].process)
        if scorecard is None:
            return attrs  # the service explains that the process has no active scorecard
        given = [a["criterion"].pk for a in attrs["answers"]]
        repeated = sorted({pk for pk in given if given.count(pk) > 1})
        criteria = list(scorecard.criteria())
        missing = [c for c in criteria if c.pk not in set(given)]
        errors = []
        if missing:
            names = "; ".join(f"{c.pk} “{c.text}”" for c in missing)
            errors.append(
                f"{len(missing)} of {len(criteria)} criteria of {scorecard.name} v{scorecard.version} are not "
                f"answered: {names}. Give points_earned for each (null where the criterion allows not applicable)."
            )
        if repeated:
            errors.append(f"Criteria answered more than once: {', '.join(map(str, repeated))}.")
        if errors:
            raise serializers.ValidationError({"answers": errors})
        return attrs

    def create(self, validated_data):
        answers = validated_data["answers"]
        return services.evaluation_create(
            actor=self.context["request"].user,
            interaction=validated_data["interaction"],
            answers={a["criterion"].pk: a["points_earned"] for a in answers},
            comments={a["criterion"].pk: a.get("comment", "") for a in answers},
            comment=validated_data.get("comment", ""),
        )


class EvaluationFilter(django_filters.FilterSet):
    process = django_filters.CharFilter(field_name="process__code", help_text="Process code.")
    agent = django_filters.CharFilter(field_name="agent__code", help_text="Agent code.")
    start = django_filters.DateFilter(field_name="local_date", lookup_expr="gte", help_text="First local date.")
    end = django_filters.DateFilter(field_name="local_date", lookup_expr="lte", help_text="Last local date.")

    class Meta:
        model = Evaluation
        fields = ["process", "agent", "start", "end", "status", "agent_response"]


class DisputeSerializer(ModelSerializer):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "evaluation",
            "reason",
            "status",
            "resolution",
            "raised_at",
            "resolved_at",
            "amended_evaluation",
        ]
        read_only_fields = fields


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ResolveInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["uphold", "amend"])
    resolution = serializers.CharField()
    answers = AnswerSerializer(many=True, required=False)


class EvaluationViewSet(_ByIdViewSet):
    """Evaluations (scoped: QA analysts their processes, team leaders their agents, agents their
    own; client users get aggregated QA through /api/v1/kpis/ only). POST scores an interaction
    on its process's current scorecard: `answers` lists every criterion with `points_earned`
    (null = not applicable) and an optional `comment`."""

    queryset = Evaluation.objects.select_related("process", "agent", "evaluator", "interaction").prefetch_related(
        "answers"
    )
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    capabilities = {
        "list": "quality.evaluations",
        "retrieve": "quality.evaluations",
        "create": "quality.evaluate",
        "acknowledge": "quality.dispute",
        "dispute": "quality.dispute",
        "resolve": "quality.evaluate",
    }

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        evaluation = services.evaluation_acknowledge(actor=request.user, evaluation=self.get_object())
        return Response(EvaluationSerializer(evaluation, context={"request": request}).data)

    @extend_schema(request=DisputeInputSerializer, responses={201: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        evaluation = self.get_object()
        data = DisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_open(actor=request.user, evaluation=evaluation, reason=data.validated_data["reason"])
        return Response(DisputeSerializer(dispute).data, status=201)

    @extend_schema(request=ResolveInputSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        evaluation = self.get_object()
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = evaluation.disputes.filter(status=DisputeStatus.OPEN).first()
        if dispute is None:
            raise DjangoValidationError("This evaluation has no open dispute.")
        answers = data.validated_data.get("answers")
        dispute = services.dispute_resolve(
            actor=request.user,
            dispute=dispute,
            decision=data.validated_data["decision"],
            resolution=data.validated_data["resolution"],
            answers={a["criterion"].pk: a["points_earned"] for a in answers} if answers is not None else None,
            comments={a["criterion"].pk: a.get("comment", "") for a in answers} if answers is not None else None,
        )
        return Response(DisputeSerializer(dispute).data)
