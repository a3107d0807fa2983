from django.urls import path

from clients import views

app_name = "clients"
urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("new/", views.ClientCreateView.as_view(), name="create"),
    path("<code:code>/", views.ClientDetailView.as_view(), name="detail"),
    path("<code:code>/edit/", views.ClientUpdateView.as_view(), name="edit"),
]
