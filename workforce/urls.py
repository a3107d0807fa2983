"""The workforce planning pages (namespace "workforce", mounted at /workforce/)."""

from django.urls import path

from workforce import views, views_plan, views_staffing

app_name = "workforce"
urlpatterns = [
    path("staffing/", views_staffing.StaffingListView.as_view(), name="staffing"),
    path("erlang/", views_staffing.WhatIfView.as_view(), name="whatif"),
    path("<code:code>/staffing/", views_staffing.StaffingDayView.as_view(), name="staffing_day"),
    path("<code:code>/staffing/week/", views_staffing.StaffingWeekView.as_view(), name="staffing_week"),
    path("<code:code>/settings/", views_staffing.PlanningSettingsView.as_view(), name="planning_settings"),
    path("<code:code>/plan/", views_plan.PlanView.as_view(), name="plan"),
    path("<code:code>/forecast/", views.ForecastPageView.as_view(), name="forecast"),
]
