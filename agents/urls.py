from django.urls import path

from agents import views

app_name = "agents"
urlpatterns = [
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<code:code>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<code:code>/edit/", views.TeamUpdateView.as_view(), name="team_edit"),
    path("agents/", views.AgentListView.as_view(), name="list"),
    path("agents/new/", views.AgentCreateView.as_view(), name="create"),
    path("agents/<code:code>/", views.AgentDetailView.as_view(), name="detail"),
    path("agents/<code:code>/edit/", views.AgentUpdateView.as_view(), name="edit"),
]
