"""Tenant isolation, walked over every URL pattern and every API route (ROLES.md).

For each route the expected answer is derived from the view's own declared capability, so a new
page or endpoint is covered the moment it is added to the URLconf:

- anonymous: pages redirect to the login page, the API answers 401;
- a role without the view's capability: 403, whatever the object;
- with the capability but the object belongs to the other tenant: 404 (existence not revealed);
- lists: 200, and nothing of the other tenant appears in the response;
- every GET of every route, with the caller's own objects and with objects shared between the
  tenants (a QA analyst, an agent and a team that work for both; see `spanning`), answers a body
  (JSON, HTML, CSV, XLSX text, PDF text) with no code or name of the other tenant: related lists
  (a user's processes, an agent's processes, a team's agents) show only what is in scope.
"""

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.permissions import has_capability
from accounts.scoping import effective_role
from bpo_portal.drf import required_capability
from recompute.models import RecomputeRun
from tests.conftest import api_as
from tests.test_reports import pdf_text

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
REDIRECTING = {"dashboards:mine": "the 'Dashboard' entry: each role's starting dashboard"}


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

        from sla.reports.services import report_generate

        tenant.report = report_generate(client=tenant.client, month=date(2026, 10, 1), notify=False).report
    return tenant.report


@pytest.fixture(autouse=True)
def _spanning_staff(spanning):
    """Staff who work for both tenants exist in every walk, so related lists have something to leak."""


@pytest.fixture(autouse=True)
def _report_files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# Query strings a route needs to answer 200 (its required parameters).
QUERY = {
    "sla": "?month=2026-10",
    "erlang": "?contacts=100&interval_seconds=1800&aht=180&target=80&threshold=20",
    # ALPHA's process: an outsider with workforce.view reads their own process's day (200); the
    # 404 of another tenant's process is tests/test_staffing_api.py's.
    "staffing": "?process=ALPHA-VOICE&date=2026-10-05",
    # The same for the forecast: another tenant's process is tests/test_forecast_api.py's 404.
    "forecast": "?process=ALPHA-VOICE&start=2026-10-01&end=2026-10-07",
}


@pytest.fixture(autouse=True)
def _quality_data_on_both_sides(request):
    """On quality routes (and the agent page, which shows coaching), both tenants have quality
    data, so lists and aggregates are checked for leaks with something there to leak."""
    callspec = getattr(request.node, "callspec", None)
    route = callspec.params.get("route", "") if callspec else ""
    if route.startswith(("quality/", "api/v1/scorecards", "api/v1/evaluations", "agents/")):
        for name in ("alpha", "bravo"):
            _quality(request.getfixturevalue(name))


def _calendar(tenant):
    """The tenant's service calendar (weekly hours and a holiday), made on first use."""
    from datetime import date, time

    from calendars.models import ServiceCalendar
    from calendars.services import calendar_create

    calendar = ServiceCalendar.objects.filter(client=tenant.client).first()
    if calendar is None:
        calendar = calendar_create(
            actor=tenant.ops,
            client=tenant.client,
            code=f"{tenant.client.code}-CAL",
            name=f"{tenant.client.name} office",
            hours=[{"weekday": 0, "start": time(9), "end": time(17)}],
            holidays=[{"date": date(2026, 12, 25), "name": "Christmas Day"}],
        )
    return calendar


def _object_for(model, tenant):
    label = model._meta.label_lower
    if label == "work.workitem":
        return _work_item(tenant)
    if label == "calendars.servicecalendar":
        return _calendar(tenant)
    if label in _QUALITY_OBJECTS:
        return getattr(_quality(tenant), _QUALITY_OBJECTS[label])
    if label == "sla.report":
        return _report(tenant)
    if label == "recompute.recomputerun":  # operator data, not a tenant's: one run for every walk
        from recompute.services import run_create

        return RecomputeRun.objects.first() or run_create()
    return {
        "clients.client": tenant.client,
        "processes.process": tenant.process,
        "agents.team": tenant.team,
        "agents.agent": tenant.agent,
        "accounts.user": tenant.client_user,
        "processes.importjob": tenant.import_job,
    }[label]


def _url(name, entry, tenant, overrides=None):
    kwargs = {}
    for key in _kwarg_names(entry):
        _, model = _model_of(entry)
        obj = (overrides or {}).get(model._meta.label_lower) or _object_for(model, tenant)
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


def _foreign_terms(tenant) -> list[str]:
    """Every code and name of `tenant`'s objects (most contain its prefix; the agent code does not)."""
    terms = [tenant.client.code, tenant.client.name, tenant.team.code, tenant.team.name]
    terms += [tenant.agent.code, tenant.agent.name]
    for process in (tenant.process, tenant.process2):
        terms += [process.code, process.name]
    for user in (tenant.team_leader, tenant.qa, tenant.agent_user, tenant.client_user, tenant.ops):
        terms.append(user.username)
    quality = getattr(tenant, "quality", None)
    if quality is not None:
        terms += [quality.scorecard.name, quality.calibration.title, quality.coaching.topic, quality.reviewer.username]
    return terms


def _leaks(text: str, tenant=None) -> list[str]:
    """The other tenant's codes and names found in `text` (BRAVO's, by default)."""
    patterns = [r"bravo"] + [rf"\b{re.escape(t)}\b" for t in (_foreign_terms(tenant) if tenant else [])]
    return sorted({m.group(0) for m in re.finditer("|".join(f"(?:{p})" for p in patterns), text, re.IGNORECASE)})


def _body_text(response) -> str:
    """What a reader of the response sees: its text, a workbook's cells, a PDF's text, the file name."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    content_type = response.get("Content-Type", "")
    header = response.get("Content-Disposition", "") + response.get("Location", "") + "\n"
    if "spreadsheetml" in content_type:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(raw))
        cells = [sheet.title for sheet in book.worksheets]
        for sheet in book.worksheets:
            cells += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
        return header + "\n".join(cells)
    if "pdf" in content_type:
        return header + pdf_text(raw)
    return header + raw.decode("utf-8")


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
            assert _leaks(response.content.decode(), bravo) == [], (actor, method, url)
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
                assert _leaks(response["Location"], bravo) == [], (actor, url)
            assert _leaks(response.content.decode(), bravo) == [], (actor, method, url)
    # Nothing of the other tenant was changed.
    bravo.client.refresh_from_db()
    bravo.process.refresh_from_db()
    assert bravo.client.name == "Bravo Holdings"
    assert bravo.process.name == "Bravo hotline"


# Extra GETs of a route in the walk of one's own objects: its file exports.
EXPORTS = {
    "dashboards:interactions": ["?format=csv"],
    "work:changes": ["?export=csv"],
    "workforce:staffing_day": ["?format=csv"],
    "workforce:staffing_week": ["?format=csv"],
    "workforce:forecast": ["?export=intervals", "?export=accuracy", "?export=adjustments"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_own_and_shared_objects_never_show_the_other_tenant(client, actor, alpha, bravo, spanning):
    """Every GET route as `actor`, with ALPHA's objects and with the objects both tenants share
    (an agent staffed for both, their team, a QA analyst assigned to both): whatever the answer,
    its body names nothing of BRAVO. One test per role walks all routes, so the walk stays fast."""
    for tenant in (alpha, bravo):
        _quality(tenant)
    _report(alpha)
    user = getattr(alpha, actor)
    client.force_login(user)
    api = api_as(user)
    shared = {"accounts.user": spanning.qa, "agents.agent": spanning.agent, "agents.team": spanning.team}
    own = {"accounts.user": alpha.qa}
    leaks, errors, seen = [], [], set()
    for _route, name, entry in all_routes():
        if name in PUBLIC or (_is_api(entry) and "get" not in _api_actions(entry)):
            continue
        for overrides in (own, shared):
            url, _ = _url(name, entry, alpha, overrides)
            for suffix in ["", *EXPORTS.get(name, [])]:
                if url + suffix in seen:
                    continue
                seen.add(url + suffix)
                response = (api if _is_api(entry) else client).get(url + suffix)
                if response.status_code >= 500:
                    errors.append((url + suffix, response.status_code))
                    continue
                found = _leaks(_body_text(response), bravo)
                if found:
                    leaks.append((url + suffix, response.status_code, found))
    assert errors == [], errors
    assert leaks == [], "\n".join(map(str, leaks))
    assert len(seen) > 100  # the walk really went everywhere


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


@pytest.mark.django_db
def test_related_lists_of_the_api_show_only_what_is_in_scope(alpha, bravo, spanning, admin_user):
    """The issue's probe: a manager of ALPHA reading a QA analyst assigned to both tenants (list
    and detail), an agent staffed for both, and the same reads by an administrator (who sees all)."""
    api = api_as(alpha.ops)
    detail = api.get("/api/v1/users/qa_dual/").json()
    assert detail["processes"] == ["ALPHA-VOICE"]
    listed = {row["username"]: row for row in api.get("/api/v1/users/", {"page_size": 100}).json()["results"]}
    assert listed["qa_dual"]["processes"] == ["ALPHA-VOICE"]
    assert api.get("/api/v1/agents/M0001/").json()["processes"] == ["ALPHA-VOICE"]
    assert "BRAVO-M2" not in api.get("/api/v1/agents/", {"page_size": 100}).content.decode()
    root = api_as(admin_user)
    assert root.get("/api/v1/users/qa_dual/").json()["processes"] == ["ALPHA-VOICE", "BRAVO-VOICE"]
    assert root.get("/api/v1/agents/M0001/").json()["processes"] == ["ALPHA-VOICE", "BRAVO-CHAT", "BRAVO-VOICE"]
    assert api_as(spanning.ops).get("/api/v1/users/qa_dual/").json()["processes"] == ["ALPHA-VOICE", "BRAVO-VOICE"]


@pytest.mark.django_db
def test_writing_a_related_list_never_names_what_the_writer_cannot_see(alpha, bravo, spanning):
    """A manager of ALPHA restaffing the agent staffed for both: the staffing they cannot see is
    kept, so the one-client rule refuses the change, and the refusal names nothing of BRAVO; a
    BRAVO code is refused exactly as a code that does not exist."""
    api = api_as(alpha.ops)
    response = api.patch("/api/v1/agents/M0001/", {"processes": ["ALPHA-CHAT"]}, format="json")
    assert response.status_code == 400, response.content
    assert "another client, outside what you can see" in response.json()["processes"][0]
    assert _leaks(response.content.decode(), bravo) == []
    assert sorted(spanning.agent.processes.values_list("code", flat=True)) == [
        "ALPHA-VOICE",
        "BRAVO-CHAT",
        "BRAVO-VOICE",
    ]
    foreign = api.patch("/api/v1/agents/M0001/", {"processes": ["BRAVO-VOICE"]}, format="json")
    missing = api.patch("/api/v1/agents/M0001/", {"processes": ["NOPE-VOICE"]}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["processes"][0].replace("BRAVO-VOICE", "NOPE-VOICE") == missing.json()["processes"][0]


@pytest.mark.django_db
def test_pages_list_related_objects_only_in_scope(client, alpha, bravo, spanning):
    """The team page, the agents list and the work queue's agent loads, as a manager of ALPHA."""
    client.force_login(alpha.ops)
    team = client.get("/teams/T-MIXED/").content.decode()
    assert "M0001" in team and "ALPHA-VOICE" in team
    assert _leaks(team, bravo) == []
    agents = client.get("/agents/").content.decode()
    assert "M0001" in agents and _leaks(agents, bravo) == []
    assert _leaks(client.get("/work/").content.decode(), bravo) == []
