from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import TokenView, UserViewSet
from accounts.urls import auth_urlpatterns
from accounts.views import HomeView
from agents.api import AgentViewSet, TeamViewSet
from bpo_portal.codes import CodeConverter
from bpo_portal.health import health_status
from calendars.api import CalendarViewSet
from clients.api import ClientViewSet
from processes.api import InteractionBulkView, InteractionViewSet, ProcessViewSet
from quality.api import EvaluationViewSet, ScorecardViewSet
from reporting.api import KpiView
from sla.api import ReportFileView, ReportViewSet, SlaView
from sla.models import REPORT_FORMATS
from work.api import WorkItemViewSet
from workforce.api import ErlangView, ForecastView
from workforce.api_staffing import StaffingView

register_converter(CodeConverter, "code")

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("clients", ClientViewSet, basename="client")
router.register("processes", ProcessViewSet, basename="process")
router.register("teams", TeamViewSet, basename="team")
router.register("agents", AgentViewSet, basename="agent")
router.register("users", UserViewSet, basename="user")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("work-items", WorkItemViewSet, basename="work-item")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("calendars", CalendarViewSet, basename="calendar")


def healthz(request):
    """Liveness and database check for load balancers and docker-compose (no data revealed)."""
    status = health_status()
    return JsonResponse({"status": status["status"], "database": status["database"]})


urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include(auth_urlpatterns)),
    path("account/", include("accounts.urls")),
    path("clients/", include("clients.urls")),
    path("processes/", include("processes.urls")),
    path("work/", include("work.urls")),
    path("quality/", include("quality.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("reports/", include("sla.urls")),
    path("workforce/", include("workforce.urls")),
    path("calendars/", include("calendars.urls")),
    path("recompute/", include("recompute.urls")),
    path("", include("agents.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/interactions/bulk/", InteractionBulkView.as_view(), name="interaction-bulk"),
    path("api/v1/kpis/", KpiView.as_view(), name="kpis"),
    path("api/v1/sla/", SlaView.as_view(), name="sla"),
    path("api/v1/erlang/", ErlangView.as_view(), name="erlang"),
    path("api/v1/forecast/", ForecastView.as_view(), name="forecast"),
    path("api/v1/staffing/", StaffingView.as_view(), name="staffing"),
    path("api/v1/reports/", ReportViewSet.as_view({"get": "list", "post": "create"}), name="report-list"),
    path(
        "api/v1/reports/<int:pk>/",
        ReportViewSet.as_view({"get": "retrieve", "post": "regenerate"}),
        name="report-detail",
    ),
    *[
        path(f"api/v1/reports/<int:pk>/{fmt}/", ReportFileView.as_view(), {"fmt": fmt}, name=f"report-file-{fmt}")
        for fmt in REPORT_FORMATS
    ],
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]

# Under /api/, a URL that matches no route answers a JSON 404 like the API (its schema says so).
handler404 = "bpo_portal.api.not_found"
