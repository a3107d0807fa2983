from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.MyDashboardView.as_view(), name="mine"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("portal/", views.PortalView.as_view(), name="portal"),
    path("clients/<code:code>/", views.ClientDashboardView.as_view(), name="client"),
    path("processes/<code:code>/", views.ProcessDashboardView.as_view(), name="process"),
    path("teams/<code:code>/", views.TeamDashboardView.as_view(), name="team"),
    path("agents/<code:code>/", views.AgentDashboardView.as_view(), name="agent"),
    path("interactions/", views.InteractionDrillView.as_view(), name="interactions"),
]
