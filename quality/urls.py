from django.urls import path

from quality import views

app_name = "quality"
urlpatterns = [
    path("", views.QualityHomeView.as_view(), name="home"),
    path("evaluations/", views.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("evaluations/<int:pk>/acknowledge/", views.EvaluationAcknowledgeView.as_view(), name="evaluation_acknowledge"),
    path("evaluations/<int:pk>/dispute/", views.EvaluationDisputeView.as_view(), name="evaluation_dispute"),
    path("evaluations/<int:pk>/void/", views.EvaluationVoidView.as_view(), name="evaluation_void"),
    path("evaluate/", views.EvaluatePickView.as_view(), name="evaluate"),
    path("evaluate/<int:pk>/", views.EvaluateInteractionView.as_view(), name="evaluate_interaction"),
    path("disputes/", views.DisputeListView.as_view(), name="dispute_list"),
    path("disputes/<int:pk>/", views.DisputeResolveView.as_view(), name="dispute_resolve"),
    path("scorecards/", views.ScorecardListView.as_view(), name="scorecard_list"),
    path("scorecards/new/", views.ScorecardCreateView.as_view(), name="scorecard_create"),
    path("scorecards/preview/", views.ScorecardPreviewView.as_view(), name="scorecard_preview"),
    path("scorecards/<int:pk>/", views.ScorecardDetailView.as_view(), name="scorecard_detail"),
    path("scorecards/<int:pk>/edit/", views.ScorecardEditView.as_view(), name="scorecard_edit"),
    path("agents/<code:code>/", views.AgentQualityView.as_view(), name="agent_history"),
    path("processes/<code:code>/criteria/", views.CriterionRatesView.as_view(), name="criterion_rates"),
    path("calibration/", views.CalibrationListView.as_view(), name="calibration_list"),
    path("calibration/new/", views.CalibrationCreateView.as_view(), name="calibration_create"),
    path("calibration/trends/", views.CalibrationTrendView.as_view(), name="calibration_trends"),
    path("calibration/<int:pk>/", views.CalibrationDetailView.as_view(), name="calibration_detail"),
    path("calibration/<int:pk>/close/", views.CalibrationCloseView.as_view(), name="calibration_close"),
    path("coaching/", views.CoachingListView.as_view(), name="coaching_list"),
    path("coaching/new/", views.CoachingCreateView.as_view(), name="coaching_create"),
    path("coaching/<int:pk>/", views.CoachingEditView.as_view(), name="coaching_edit"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
]
