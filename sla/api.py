"""`/api/v1/sla/` and `/api/v1/reports/` (API.md): SLA status per target for a month, and the
monthly client reports with their files (downloads through an authorised view only)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import scope_q
from bpo_portal.api import AutoSchema, ModelSerializer, ScopedSlugRelatedField
from clients.models import Client
from processes.models import Process
from reporting import periods
from sla import compliance
from sla.models import REPORT_FORMATS, Report
from sla.reports.selectors import report_list
from sla.reports.services import report_record_download, report_request

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def sla_results(*, user, month, client=None, process=None) -> dict:
    """One result per SLA target of the processes in scope (of `client`, or `process`)."""
    processes = Process.objects.filter(scope_q(Process, user)).select_related("client").order_by("code")
    if client is not None:
        processes = processes.filter(client=client)
    if process is not None:
        processes = processes.filter(pk=process.pk)
    months = compliance.process_months(processes, month)
    results = []
    for pm in months:
        for target in pm.targets:
            results.append({"month": f"{month:%Y-%m}", **target.as_dict()})
    data = {"count": len(results), "next": None, "previous": None, "results": results}
    if client is not None:
        credits = compliance.credits_for(client, [t for pm in months for t in pm.targets])
        data["credits"] = {
            "owed_percent": float(credits.owed_percent),
            "cap_percent": None if client.credit_cap_percent is None else float(client.credit_cap_percent),
            "credit_percent": float(credits.capped_percent),
            "cap_applied": credits.cap_applied,
            "amount": None if credits.amount is None else float(credits.amount),
        }
    return data


class SlaView(APIView):
    """SLA compliance per target for a month, scoped to the caller.

    `month` (YYYY-MM) is required; `client` or `process` (a code; not both) narrows it, and
    without either every process in the caller's scope is included. Each result: `process`,
    `metric`, `comparator`, `target`, `actual`, `met` (null when undefined), `credit_percent`,
    `status`, `gap`, and for the running month `projected`, `at_risk` (and for service level
    `required_within`, `remaining_expected`). With `client`, `credits` gives the month's service
    credit (capped by the client's monthly cap).
    """

    capability = "sla.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM"),
            OpenApiParameter("client", OpenApiTypes.STR, description="client code"),
            OpenApiParameter("process", OpenApiTypes.STR, description="process code"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = request.query_params
        errors = {}
        month = None
        if not params.get("month"):
            errors["month"] = ["This parameter is required (YYYY-MM)."]
        else:
            try:
                month = periods.parse_month(params["month"])
            except ValueError as exc:
                errors["month"] = [str(exc)]
        if params.get("client") and params.get("process"):
            errors["process"] = ["Give client or process, not both."]
        if errors:
            raise ValidationError(errors)
        user = request.user
        client = process = None
        if params.get("client"):
            client = Client.objects.filter(scope_q(Client, user), code__iexact=params["client"]).first()
            if client is None:
                raise Http404
        if params.get("process"):
            process = Process.objects.filter(scope_q(Process, user), code__iexact=params["process"]).first()
            if process is None:
                raise Http404
        return Response(sla_results(user=user, month=month, client=client, process=process))


def file_urls(request, report) -> dict:
    if report.current is None:
        return dict.fromkeys(REPORT_FORMATS)
    return {
        fmt: request.build_absolute_uri(reverse(f"report-file-{fmt}", kwargs={"pk": report.pk}))
        for fmt in REPORT_FORMATS
    }


class ReportSerializer(ModelSerializer):
    client = serializers.CharField(source="client.code", read_only=True)
    month = serializers.CharField(source="month_label", read_only=True)
    generated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = serializers.IntegerField(source="current.number", read_only=True, allow_null=True, default=None)
    kpi_definition_version = serializers.CharField(
        source="current.kpi_definition_version", read_only=True, allow_null=True, default=None
    )
    figures_computed_at = serializers.DateTimeField(
        source="current.figures_computed_at", read_only=True, allow_null=True, default=None
    )
    summary = serializers.JSONField(source="current.summary", read_only=True, allow_null=True, default=None)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "client",
            "month",
            "status",
            "generated_at",
            "version",
            "kpi_definition_version",
            "figures_computed_at",
            "summary",
            "error",
            "files",
        ]

    @extend_schema(responses={200: {"type": "object", "properties": {f: {"type": "string"} for f in REPORT_FORMATS}}})
    def get_files(self, report) -> dict:
        return file_urls(self.context["request"], report)


class ReportRequestSerializer(serializers.Serializer):
    client = ScopedSlugRelatedField(model=Client)
    month = serializers.CharField()

    def validate_month(self, value):
        try:
            return periods.parse_month(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly client reports in the caller's scope. `POST /reports/` {client, month} and
    `POST /reports/{id}/` (re)generate (operations managers): 202, the report shows `queued`
    until done, and the current files stay served. Filters: `client`, `month`, `status`."""

    queryset = Report.objects.all()
    serializer_class = ReportSerializer
    capabilities = {
        "list": "reports.view",
        "retrieve": "reports.view",
        "create": "reports.manage",
        "regenerate": "reports.manage",
    }

    def get_queryset(self):
        reports = report_list(user=self.request.user)
        params = self.request.query_params
        if params.get("client"):
            reports = reports.filter(client__code__iexact=params["client"])
        if params.get("month"):
            try:
                reports = reports.filter(month=periods.parse_month(params["month"]))
            except ValueError as exc:
                raise ValidationError({"month": [str(exc)]}) from None
        if params.get("status"):
            reports = reports.filter(status=params["status"])
        return reports

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def create(self, request):
        serializer = ReportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        report = report_request(
            client=serializer.validated_data["client"],
            month=serializer.validated_data["month"],
            actor=request.user,
            trigger="api",
        )
        return self._accepted(report)

    @extend_schema(operation_id="v1_reports_regenerate", request=None, responses={202: ReportSerializer})
    def regenerate(self, request, pk=None):
        report = self.get_object()
        report = report_request(client=report.client, month=report.month, actor=request.user, trigger="api")
        return self._accepted(report)

    def _accepted(self, report):
        report = report_list(user=self.request.user).get(pk=report.pk)
        return Response(
            ReportSerializer(report, context={"request": self.request}).data, status=status.HTTP_202_ACCEPTED
        )


class ReportFileSchema(AutoSchema):
    """One view serves /pdf/, /xlsx/ and /csv/: each path documents its own file's content type."""

    def get_response_serializers(self):
        fmt = self.path.rstrip("/").rsplit("/", 1)[-1]
        return {(200, CONTENT_TYPES[fmt].split(";")[0]): OpenApiTypes.BINARY}


class ReportFileView(APIView):
    """A file of a report (current version, or `?version=N`), only to users who may see the
    report; every download is recorded. Never a public media URL."""

    capability = "reports.view"
    queryset = Report.objects.all()
    schema = ReportFileSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("version", OpenApiTypes.INT, description="default: the current version (a number ≥ 1)")
        ],
    )
    def get(self, request, pk, fmt):
        report = report_list(user=request.user).filter(pk=pk).first()
        if report is None or fmt not in REPORT_FORMATS:
            raise Http404
        version = report.current
        if request.query_params.get("version"):
            try:
                number = int(request.query_params["version"])
            except ValueError:
                raise ValidationError({"version": ["A version number."]}) from None
            version = report.versions.filter(number=number).first()
        if version is None:
            raise Http404
        path = Path(settings.MEDIA_ROOT) / version.path_of(fmt)
        if not path.is_file():
            raise Http404
        report_record_download(version=version, user=request.user, fmt=fmt)
        response = FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)  # noqa: SIM115
        response["Content-Type"] = CONTENT_TYPES[fmt]
        response["Cache-Control"] = "private, no-store"
        return response
