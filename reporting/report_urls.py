from django.urls import path

from reporting import report_views

app_name = "reports"
urlpatterns = [
    path("", report_views.ReportListView.as_view(), name="list"),
    path("<int:pk>/", report_views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/regenerate/", report_views.ReportRegenerateView.as_view(), name="regenerate"),
    path("email/", report_views.ReportEmailPreferenceView.as_view(), name="email"),
]
