"""Service calendar pages (namespace "calendars", mounted at /calendars/)."""

from django.urls import path

from calendars import views

app_name = "calendars"
urlpatterns = [
    path("", views.CalendarListView.as_view(), name="list"),
    path("new/", views.CalendarCreateView.as_view(), name="create"),
    path("<code:code>/", views.CalendarDetailView.as_view(), name="detail"),
    path("<code:code>/edit/", views.CalendarUpdateView.as_view(), name="edit"),
    path("<code:code>/public-holidays/", views.CalendarPrefillView.as_view(), name="prefill"),
]
