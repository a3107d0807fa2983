from django.urls import path

from quality.views import calibration, coaching, disputes, evaluations, overview, sampling, scorecards

app_name = "quality"
urlpatterns = [
    path("", overview.QualityHomeView.as_view(), name="home"),
    path("evaluations/", evaluations.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/<int:pk>/", evaluations.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path(
        "evaluations/<int:pk>/acknowledge/",
        evaluations.EvaluationAcknowledgeView.as_view(),
        name="evaluation_acknowledge",
    ),
    path("evaluations/<int:pk>/dispute/", evaluations.EvaluationDisputeView.as_view(), name="evaluation_dispute"),
    path("evaluations/<int:pk>/void/", evaluations.EvaluationVoidView.as_view(), name="evaluation_void"),
    path("evaluate/", sampling.EvaluatePickView.as_view(), name="evaluate"),
    path("evaluate/<int:pk>/", evaluations.EvaluateInteractionView.as_view(), name="evaluate_interaction"),
    path("disputes/", disputes.DisputeListView.as_view(), name="dispute_list"),
    path("disputes/<int:pk>/", disputes.DisputeResolveView.as_view(), name="dispute_resolve"),
    path("scorecards/", scorecards.ScorecardListView.as_view(), name="scorecard_list"),
    path("scorecards/new/", scorecards.ScorecardCreateView.as_view(), name="scorecard_create"),
    path("scorecards/preview/", scorecards.ScorecardPreviewView.as_view(), name="scorecard_preview"),
    path("scorecards/<int:pk>/", scorecards.ScorecardDetailView.as_view(), name="scorecard_detail"),
    path("scorecards/<int:pk>/edit/", scorecards.ScorecardEditView.as_view(), name="scorecard_edit"),
    path("agents/<code:code>/", overview.AgentQualityView.as_view(), name="agent_history"),
    path("processes/<code:code>/criteria/", overview.CriterionRatesView.as_view(), name="criterion_rates"),
    path("calibration/", calibration.CalibrationListView.as_view(), name="calibration_list"),
    path("calibration/new/", calibration.CalibrationCreateView.as_view(), name="calibration_create"),
    path("calibration/trends/", calibration.CalibrationTrendView.as_view(), name="calibration_trends"),
    path("calibration/<int:pk>/", calibration.CalibrationDetailView.as_view(), name="calibration_detail"),
    path("calibration/<int:pk>/close/", calibration.CalibrationCloseView.as_view(), name="calibration_close"),
    path("coaching/", coaching.CoachingListView.as_view(), name="coaching_list"),
    path("coaching/new/", coaching.CoachingCreateView.as_view(), name="coaching_create"),
    path("coaching/<int:pk>/", coaching.CoachingEditView.as_view(), name="coaching_edit"),
    path("notifications/", overview.NotificationListView.as_view(), name="notifications"),
]
