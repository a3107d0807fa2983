"""The workforce planning pages (namespace "workforce", mounted at /workforce/)."""

from django.urls import path  # noqa: F401 - the routes are added by each page's module

app_name = "workforce"
urlpatterns = []
