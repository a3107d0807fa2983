from django.urls import path

from sla import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/regenerate/", views.ReportRegenerateView.as_view(), name="regenerate"),
    path("email/", views.ReportEmailPreferenceView.as_view(), name="email"),
]
