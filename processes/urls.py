from django.urls import path

from processes import views

app_name = "processes"
urlpatterns = [
    path("", views.ProcessListView.as_view(), name="list"),
    path("new/", views.ProcessCreateView.as_view(), name="create"),
    path("imports/", views.ImportListView.as_view(), name="imports"),
    path("imports/template.csv", views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("<code:code>/", views.ProcessDetailView.as_view(), name="detail"),
    path("<code:code>/edit/", views.ProcessUpdateView.as_view(), name="edit"),
]
