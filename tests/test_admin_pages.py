"""The Django admin under the tenancy guard: every registered model's list, one object's change
page and the add page answer 200 to the administrator (who sees every tenant, ROLES.md), and
the admin stays closed to everyone else."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "a-long-admin-password-1")


def _pages(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"admin:{info}_changelist")
        first = model._base_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{info}_change", args=[first.pk])
        if model_admin.has_add_permission(request):
            yield reverse(f"admin:{info}_add")


def test_every_admin_page_answers_the_administrator(client, alpha, bravo, root):
    client.force_login(root)
    pages = list(_pages(root))
    assert len(pages) > 20  # the models of every app, with objects of both tenants
    failed = [(url, status) for url in pages if (status := client.get(url).status_code) != 200]
    assert failed == []


def test_the_admin_is_closed_to_other_roles(client, alpha):
    client.force_login(alpha.ops)
    response = client.get(reverse("admin:clients_client_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
