"""The recompute pages (namespace "recompute", mounted at /recompute/)."""

from django.urls import path

from recompute import views

app_name = "recompute"
urlpatterns = [
    path("", views.RunListView.as_view(), name="list"),
    path("<int:pk>/", views.RunDetailView.as_view(), name="detail"),
]
