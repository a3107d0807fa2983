from django.urls import path

from work.views import changes, items, queue, settings

app_name = "work"
urlpatterns = [
    path("", queue.QueueView.as_view(), name="queue"),
    path("mine/", items.MyWorkView.as_view(), name="mine"),
    path("new/", items.WorkItemCreateView.as_view(), name="create"),
    path("import/", items.ImportView.as_view(), name="import"),
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path("bulk-assign/", queue.BulkAssignView.as_view(), name="bulk_assign"),
    path("<int:pk>/", items.WorkItemDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", items.WorkItemUpdateView.as_view(), name="edit"),
    path("<int:pk>/assign/", queue.AssignView.as_view(), name="assign"),
    path("<int:pk>/status/", items.StatusView.as_view(), name="status"),
    path("<int:pk>/audit.csv", changes.ItemAuditCsvView.as_view(), name="audit_csv"),
]
