"""Tenant isolation, walked over every URL pattern and every API route (ROLES.md).

For each route the expected answer is derived from the view's own declared capability, so a new
page or endpoint is covered the moment it is added to the URLconf:

- anonymous: pages redirect to the login page, the API answers 401;
- a role without the view's capability: 403, whatever the object;
- with the capability but the object belongs to the other tenant: 404 (existence not revealed);
- lists: 200, and nothing of the other tenant appears in the response.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.permissions import has_capability
from accounts.scoping import effective_role
from bpo_portal.drf import required_capability
from tests.conftest import api_as

# Routes that are public on purpose, and why.
PUBLIC = {
    "login": "the sign-in page",
    "logout": "signing out (POST)",
    "api-token": "exchanges credentials for a token",
    "api-schema": "the public API contract (no data)",
    "api-docs": "interactive documentation of that contract (no data)",
    "healthz": "load-balancer health check (no data)",
}

ACTORS = ["client_user", "agent_user", "team_leader", "qa", "ops"]

# Routes whose GET sends each role on to its own page (which is walked in its own right).
REDIRECTING = {"reporting:mine": "the 'Dashboard' entry: each role's starting dashboard"}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def all_routes():
    routes = []
    for route, name, entry in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("static/"):
            continue
        routes.append((route, name, entry))
    return routes


def _kwarg_names(entry):
    return sorted(entry.pattern.regex.groupindex)


def _model_of(entry):
    callback = entry.callback
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    model = getattr(cls, "model", None)
    if model is None and getattr(cls, "queryset", None) is not None:
        model = cls.queryset.model
    return cls, model


def _work_item(tenant):
    """The tenant's work item (assigned to its agent), made on first use."""
    from work.models import Status, WorkItem
    from work.services import work_item_create

    item = WorkItem.objects.filter(process=tenant.process).first()
    if item is None:
        item = work_item_create(actor=tenant.ops, process=tenant.process, title=f"{tenant.client.code} work")
        WorkItem.objects.filter(pk=item.pk).update(assignee=tenant.agent, status=Status.ASSIGNED)
        item.refresh_from_db()
    return item


def _quality(tenant):
    """The tenant's quality objects (scorecard, evaluation with an open dispute, calibration,
    coaching), made on first use."""
    if getattr(tenant, "quality", None) is None:
        from tests.quality_fixtures import build

        tenant.quality = build(tenant)
    return tenant.quality


_QUALITY_OBJECTS = {
    "quality.scorecard": "scorecard",
    "quality.evaluation": "evaluation",
    "quality.dispute": "dispute",
    "quality.calibrationsession": "calibration",
    "quality.coachingaction": "coaching",
    "processes.interaction": "interaction",
}


def _report(tenant):
    """The tenant's monthly report with a generated version (files under a temporary MEDIA_ROOT)."""
    if getattr(tenant, "report", None) is None:
        from datetime import date

        from reporting.reports.services import report_generate

        tenant.report = report_generate(client=tenant.client, month=date(2026, 10, 1), notify=False).report
    return tenant.report


@pytest.fixture(autouse=True)
def _report_files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# Query strings a route needs to answer 200 (its required parameters).
QUERY = {"sla": "?month=2026-10"}


@pytest.fixture(autouse=True)
def _quality_data_on_both_sides(request):
    """On quality routes (and the agent page, which shows coaching), both tenants have quality
    data, so lists and aggregates are checked for leaks with something there to leak."""
    callspec = getattr(request.node, "callspec", None)
    route = callspec.params.get("route", "") if callspec else ""
    if route.startswith(("quality/", "api/v1/scorecards", "api/v1/evaluations", "agents/")):
        for name in ("alpha", "bravo"):
            _quality(request.getfixturevalue(name))


def _object_for(model, tenant):
    label = model._meta.label_lower
    if label == "work.workitem":
        return _work_item(tenant)
    if label in _QUALITY_OBJECTS:
        return getattr(_quality(tenant), _QUALITY_OBJECTS[label])
    if label == "reporting.report":
        return _report(tenant)
    return {
        "clients.client": tenant.client,
        "processes.process": tenant.process,
        "agents.team": tenant.team,
        "agents.agent": tenant.agent,
        "accounts.user": tenant.client_user,
        "processes.importjob": tenant.import_job,
    }[label]


def _url(name, entry, tenant):
    kwargs = {}
    for key in _kwarg_names(entry):
        _, model = _model_of(entry)
        obj = _object_for(model, tenant)
        kwargs[key] = getattr(obj, key)
    return reverse(name, kwargs=kwargs) + QUERY.get(name, ""), bool(kwargs)


def _is_api(entry):
    return hasattr(entry.callback, "cls")


def _page_capability(entry):
    cls, _ = _model_of(entry)
    return getattr(cls, "capability", None)


def _api_actions(entry):
    """{method: action} of a viewset route, or {method: None} for a plain APIView."""
    cls = entry.callback.cls
    allowed = set(cls.http_method_names) & {"get", "post", "patch"}
    actions = getattr(entry.callback, "actions", None)
    if actions is None:
        return {method: None for method in sorted(allowed) if hasattr(cls, method)}
    return {method: action for method, action in dict(actions).items() if method in allowed}


def test_every_route_is_public_on_purpose_or_names_a_capability():
    missing = []
    for route, name, entry in all_routes():
        if name in PUBLIC:
            continue
        if _is_api(entry):
            cls = entry.callback.cls
            for method, action in _api_actions(entry).items():
                view = cls()
                view.action = action
                if required_capability(view) is None:
                    missing.append(f"{route} {method}")
        elif _page_capability(entry) is None:
            missing.append(route)
    assert missing == []


def test_walk_covers_the_routes_we_expect():
    names = {name for _, name, _ in all_routes()}
    for expected in [
        "clients:list",
        "clients:detail",
        "processes:edit",
        "agents:team_detail",
        "client-list",
        "process-detail",
        "team-list",
        "agent-detail",
        "user-list",
        "accounts:user_create",
    ]:
        assert expected in names


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route,name,entry", [r for r in all_routes() if r[1] not in PUBLIC], ids=lambda v: v if isinstance(v, str) else ""
)
def test_anonymous_is_sent_to_login_or_gets_401(client, route, name, entry, alpha, bravo):
    url, _ = _url(name, entry, bravo)
    if _is_api(entry):
        for method, action in _api_actions(entry).items():
            response = getattr(api_as(None), method)(url, {}, format="json")
            assert response.status_code == 401, (method, url)
    else:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        response = client.post(url, {})
        assert response.status_code == 302, url


def _leaks(text: str) -> list[str]:
    return sorted(set(re.findall(r"(?i)bravo", text)))


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "route,name,entry", [r for r in all_routes() if r[1] not in PUBLIC], ids=lambda v: v if isinstance(v, str) else ""
)
def test_outsider_gets_403_or_404_and_never_sees_the_other_tenant(client, actor, route, name, entry, alpha, bravo):
    user = getattr(alpha, actor)
    url, has_object = _url(name, entry, bravo)
    if _is_api(entry):
        api = api_as(user)
        cls = entry.callback.cls
        for method, action in _api_actions(entry).items():
            view = cls()
            view.action = action
            allowed = has_capability(user, required_capability(view))
            payload = {"name": "changed by an outsider"} if method == "patch" else {}
            response = getattr(api, method)(url, payload, format="json")
            if not allowed:
                expected = {403}
            elif has_object:
                expected = {404}
            elif method == "post":
                expected = {400, 201}
            else:
                expected = {200}
            assert response.status_code in expected, (actor, method, url, response.status_code)
            assert _leaks(response.content.decode()) == [], (actor, method, url)
    else:
        client.force_login(user)
        allowed = has_capability(user, _page_capability(entry))
        view_class, _ = _model_of(entry)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            if not allowed:
                expected = {403}
            elif not hasattr(view_class, method):
                expected = {405}
            elif has_object:
                expected = {404}
            else:
                expected = {200} if method == "get" else {200, 302, 405}
                if name in REDIRECTING:
                    expected |= {302}
            assert response.status_code in expected, (actor, method, url, response.status_code)
            if response.status_code == 302 and name in REDIRECTING:
                assert _leaks(response["Location"]) == [], (actor, url)
            assert _leaks(response.content.decode()) == [], (actor, method, url)
    # Nothing of the other tenant was changed.
    bravo.client.refresh_from_db()
    bravo.process.refresh_from_db()
    assert bravo.client.name == "Bravo Holdings"
    assert bravo.process.name == "Bravo hotline"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route,name,entry", [r for r in all_routes() if r[1] not in PUBLIC], ids=lambda v: v if isinstance(v, str) else ""
)
def test_admin_reaches_every_route(client, route, name, entry, alpha, bravo, admin_user):
    """The 404s above are about scope, not broken URLs: an administrator gets each page."""
    url, _ = _url(name, entry, bravo)
    if _is_api(entry):
        if "get" in _api_actions(entry):
            assert api_as(admin_user).get(url).status_code == 200, url
    else:
        client.force_login(admin_user)
        response = client.get(url, follow=name in REDIRECTING)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_superuser_role_field_does_not_limit_a_superuser(alpha, bravo, admin_user):
    admin_user.role = "agent"
    admin_user.save()
    assert effective_role(admin_user) == "admin"


@pytest.mark.django_db
def test_admin_site_refuses_non_staff(client, alpha):
    client.force_login(alpha.ops)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
