from django.urls import path

from work import views

app_name = "work"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("mine/", views.MyWorkView.as_view(), name="mine"),
    path("new/", views.WorkItemCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("bulk-assign/", views.BulkAssignView.as_view(), name="bulk_assign"),
    path("<int:pk>/", views.WorkItemDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.WorkItemUpdateView.as_view(), name="edit"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("<int:pk>/status/", views.StatusView.as_view(), name="status"),
    path("<int:pk>/audit.csv", views.ItemAuditCsvView.as_view(), name="audit_csv"),
]
