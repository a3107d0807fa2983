"""The tenancy guard (bpo_portal/tenancy.py): inside a request, client data read without the
caller's scope raises TenancyError; scoped reads, related managers and reads that say why they
are wider pass; outside a request nothing is guarded.

The views below are this module's own (pytest.mark.urls), so each case is one line of ORM inside
a real request through the portal's middleware stack.
"""

from datetime import date

import pytest
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.scoping import ScopedQuerySet, scope_q
from accounts.views import LoginView
from bpo_portal.services import validated_save
from bpo_portal.tenancy import TenancyError, cross_tenant, guard_active, tenancy_guard
from clients.models import Client
from processes.models import Process
from reporting.models import DailyKpi
from tests.conftest import api_as
from tests.factories import AgentFactory

pytestmark = pytest.mark.urls("tests.test_tenancy_guard")


def _codes(queryset):
    return JsonResponse({"codes": sorted(queryset.values_list("code", flat=True))})


def bare(request):
    return _codes(Process.objects.filter(active=True))


def visible(request):
    return _codes(Process.objects.visible_to(request.user))


def by_scope_q(request):
    return _codes(Process.objects.filter(scope_q(Process, request.user), active=True))


def scope_q_widened(request):
    return _codes(Process.objects.filter(scope_q(Process, request.user) | Q(active=True)))


def queryset_widened(request):
    return _codes(Process.objects.visible_to(request.user) | Process.objects.all())


def scope_q_of_another_model(request):
    return _codes(Process.objects.filter(scope_q(Client, request.user)))


def deliberate(request):
    with cross_tenant("test: counting every tenant's processes on purpose"):
        total = Process.objects.count()
    return JsonResponse({"total": total})


def deliberate_queryset(request):
    return JsonResponse({"total": Process.objects.unscoped("test: a deliberate count").count()})


def related(request):
    client = Client.objects.visible_to(request.user).get()
    return _codes(client.processes.all())


def prefetched(request):
    clients = Client.objects.visible_to(request.user).prefetch_related("processes")
    return JsonResponse({"codes": sorted(p.code for c in clients for p in c.processes.all())})


def empty(request):
    return _codes(Process.objects.none())


def of_loaded(request):
    client = Client.objects.visible_to(request.user).get()
    return _codes(Process.objects.of(client=client))


def of_scoped_queryset(request):
    return _codes(Process.objects.of(client__in=Client.objects.visible_to(request.user)))


def eager_task(request):
    return JsonResponse({"total": _count_processes.apply().get()})


@shared_task
def _count_processes():
    """A task's own reads are not guarded, even when it runs eagerly inside a request."""
    return Process.objects.count()


urlpatterns = [
    path(f"{view.__name__}/", view, name=view.__name__)
    for view in (
        bare,
        visible,
        by_scope_q,
        scope_q_widened,
        queryset_widened,
        scope_q_of_another_model,
        deliberate,
        deliberate_queryset,
        related,
        prefetched,
        empty,
        of_loaded,
        of_scoped_queryset,
        eager_task,
    )
]
urlpatterns += [path("login/", LoginView.as_view(), name="login"), path("", visible, name="home")]


@pytest.fixture
def as_client_user(client, alpha, bravo):
    client.force_login(alpha.client_user)
    return client


def test_the_guard_is_installed_for_every_request():
    assert "bpo_portal.middleware.TenancyGuardMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize("name", ["bare", "scope_q_widened", "queryset_widened", "scope_q_of_another_model"])
def test_a_query_on_client_data_without_a_scope_raises_inside_a_request(as_client_user, name):
    with pytest.raises(TenancyError) as raised:
        as_client_user.get(reverse(name))
    message = str(raised.value)
    assert "processes.Process" in message
    assert "visible_to(request.user)" in message and "cross_tenant" in message


def test_an_anonymous_request_is_guarded_too(client, alpha, bravo):
    with pytest.raises(TenancyError):
        client.get(reverse("bare"))


@pytest.mark.parametrize("name", ["visible", "by_scope_q", "related", "prefetched", "of_loaded", "of_scoped_queryset"])
def test_a_scoped_query_passes_and_shows_only_the_callers_tenant(as_client_user, alpha, name):
    response = as_client_user.get(reverse(name))
    assert response.status_code == 200
    assert response.json()["codes"] == sorted([alpha.process.code, alpha.process2.code])


@pytest.mark.parametrize("name", ["deliberate", "deliberate_queryset"])
def test_a_deliberate_cross_tenant_read_passes_when_it_says_why(as_client_user, name):
    response = as_client_user.get(reverse(name))
    assert response.json() == {"total": 4}


def test_an_empty_queryset_reads_nothing_and_passes(as_client_user):
    assert as_client_user.get(reverse("empty")).json() == {"codes": []}


def test_a_task_run_eagerly_inside_a_request_is_not_guarded(as_client_user):
    assert as_client_user.get(reverse("eager_task")).json() == {"total": 4}


def test_sign_in_looks_the_login_up_deliberately(client, alpha, password):
    response = client.post(reverse("login"), {"username": alpha.client_user.username, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("visible")).json()["codes"] == sorted([alpha.process.code, alpha.process2.code])


def test_a_reason_is_required_for_a_cross_tenant_read(db):
    with pytest.raises(TypeError), cross_tenant(""):
        pass
    with pytest.raises(TypeError):
        Process.objects.unscoped("  ")


def test_outside_a_request_nothing_is_guarded(alpha, bravo):
    assert not guard_active()
    assert Process.objects.count() == 4
    assert Process.objects.filter(client=bravo.client).exists()


# Every way a queryset can reach the database raises inside a request when unscoped.
EVALUATIONS = {
    "fetch": lambda qs: list(qs),
    "len": len,
    "bool": bool,
    "get": lambda qs: qs.get(code="ALPHA-VOICE"),
    "first": lambda qs: qs.first(),
    "index": lambda qs: qs[0],
    "count": lambda qs: qs.count(),
    "exists": lambda qs: qs.exists(),
    "aggregate": lambda qs: qs.aggregate(n=Count("pk")),
    "iterator": lambda qs: list(qs.iterator()),
    "values": lambda qs: list(qs.values("code")),
    "values_list": lambda qs: list(qs.values_list("code", flat=True)),
    "in_bulk": lambda qs: qs.in_bulk(),
    "update": lambda qs: qs.update(name="changed"),
    "delete": lambda qs: qs.filter(code="nothing").delete(),
    "union": lambda qs: list(qs.none().union(qs)),
    "get_or_create": lambda qs: qs.get_or_create(code="ALPHA-VOICE"),
}


@pytest.mark.parametrize("evaluate", EVALUATIONS.values(), ids=EVALUATIONS.keys())
def test_every_evaluation_of_an_unscoped_queryset_raises_under_the_guard(alpha, bravo, evaluate):
    assert isinstance(Process.objects.all(), ScopedQuerySet)
    with tenancy_guard():
        assert guard_active()
        with pytest.raises(TenancyError):
            evaluate(Process.objects.all())
        evaluate(Process.objects.visible_to(alpha.ops))  # the same, scoped, passes


def test_the_guard_ends_with_the_block_and_a_cross_tenant_block_ends_with_its_own(alpha):
    with tenancy_guard():
        with cross_tenant("test"):
            assert not guard_active()
            Process.objects.count()
        assert guard_active()
    assert not guard_active()


def test_of_takes_loaded_objects_or_a_scoped_queryset_never_ids(alpha):
    with pytest.raises(TypeError):
        Process.objects.of(client=alpha.client.pk)
    with pytest.raises(TypeError):
        Process.objects.of(client__in=[alpha.client.pk])
    with pytest.raises(TypeError):
        Process.objects.of(client=Client())  # not saved: not found anywhere
    with pytest.raises(TypeError):
        Process.objects.of(client__in=Client.objects.all())  # a queryset that is not scoped itself
    with tenancy_guard():
        assert set(Process.objects.of(client__in=[alpha.client])) == {alpha.process, alpha.process2}


def test_the_uniqueness_checks_read_across_tenants_and_say_only_taken(alpha, bravo):
    with tenancy_guard(), pytest.raises(ValidationError) as raised:
        validated_save(Process(client=alpha.client, code=bravo.process.code, name="Copy"))
    assert "code" in raised.value.message_dict


@pytest.mark.urls("bpo_portal.urls")
def test_the_agent_dashboard_compares_with_the_team_only_within_the_callers_clients(client, alpha, bravo):
    """The comparisons are wider than an agent's own rows on purpose (the team, the processes),
    but a team member's work for another client stays out, even summed."""
    day = date(2026, 10, 5)
    moonlighter = AgentFactory(code="A0777", team=alpha.team, processes=[bravo.process])
    for agent, process, offered in ((alpha.agent, alpha.process, 10), (moonlighter, bravo.process, 1000)):
        DailyKpi.objects.create(
            process=process, client=process.client, local_date=day, agent=agent, team=alpha.team,
            offered=offered, computed_at=timezone.now(),
        )  # fmt: skip
    client.force_login(alpha.ops)
    page = client.get(
        reverse("dashboards:agent", args=[alpha.agent.code]),
        {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"},
    )
    assert page.status_code == 200
    team = dict(page.context["compare_rows"])[f"Team {alpha.team.name}"]
    assert team.components["offered"] == 10


@pytest.mark.urls("bpo_portal.urls")
def test_a_client_user_names_their_own_clients_agents_in_the_kpi_api_and_no_one_elses(alpha, bravo):
    """Client users never see agents as records; with agent names shared, the KPI API still lets
    them name their own client's agents (a deliberate wider read), and another client's agent
    does not exist for them."""
    alpha.client.show_agent_names = True
    alpha.client.save()
    period = "start=2026-10-01&end=2026-10-31"
    assert api_as(alpha.client_user).get(f"/api/v1/kpis/?agent={alpha.agent.code}&{period}").status_code == 200
    assert api_as(alpha.client_user).get(f"/api/v1/kpis/?agent={bravo.agent.code}&{period}").status_code == 404


@pytest.mark.urls("bpo_portal.urls")
def test_the_health_check_answers_under_the_guard(client, alpha, bravo):
    """/healthz (load balancers, docker-compose) counts every client as its database round trip:
    a deliberate unscoped read, so it answers 200 with the guard on and shows no row."""
    response = client.get("/healthz")
    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"status": "ok", "database": connection.vendor}
