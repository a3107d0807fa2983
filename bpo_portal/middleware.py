"""Request-level guards: hostile input refused before any view runs, the tenancy guard on for
every request, and security headers."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from bpo_portal.parsing import unstorable_character
from bpo_portal.tenancy import cross_tenant, tenancy_guard


class HostileInputMiddleware:
    """One layer for input that would crash a query or a parser, whichever view it is sent to.

    Refused with 400, as JSON for /api/ paths (DRF's shapes: {"field": [message]} for a
    parameter, {"detail": message} for the request as a whole) and as a page with the menu
    elsewhere:

    - a NUL (or, after decoding, a lone surrogate) in the path, a query parameter's name or value,
      or a form field (PostgreSQL text cannot store NUL; the query would fail with a server error);
    - a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (multipart uploads excepted: their files are
      streamed to disk, their other fields are still limited), too many parameters
      (DATA_UPLOAD_MAX_NUMBER_FIELDS): Django's own answer to those is an HTML 400 even on the API;
    - a NUL in the Cookie or Authorization header (a session or token lookup would fail).

    JSON bodies are checked by the API's parser (bpo_portal.drf.SafeJSONParser), which also
    limits nesting.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is not None:
            return self._refuse(request, *problem)
        return self.get_response(request)

    def _problem(self, request) -> tuple[str | None, str] | None:
        """(parameter name or None, message) for the first hostile thing, or None."""
        for header in ("HTTP_COOKIE", "HTTP_AUTHORIZATION"):
            if "\x00" in request.META.get(header, ""):
                return None, f"The {header[5:].title()} header contains NUL (U+0000)."
        found = unstorable_character(request.path)
        if found:
            return None, f"The address contains {found}, which cannot be used: remove it."
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit is not None and not content_type.startswith("multipart/form-data"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return None, "The Content-Length header is not a number."
            if length > limit:
                return None, f"The request body is larger than the limit of {limit:,} bytes ({limit // 2**20} MB)."
        try:
            sources = [("parameter", request.GET)]
            if request.method == "POST" and content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                sources.append(("field", request.POST))
            for kind, params in sources:
                for name, values in params.lists():
                    found = unstorable_character(name)
                    if found:
                        return None, f"A {kind} name contains {found}, which cannot be used: remove it."
                    for value in values:
                        found = unstorable_character(value)
                        if found:
                            return name, f"The {kind} '{name}' contains {found}, which cannot be used: remove it."
        except RequestDataTooBig:
            return None, f"The request body is larger than the limit of {limit:,} bytes."
        except TooManyFieldsSent:
            return None, f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters."
        return None

    def _refuse(self, request, name: str | None, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({name: [message]} if name else {"detail": message}, status=400)
        if "\x00" in request.META.get("HTTP_COOKIE", "") + request.META.get("HTTP_AUTHORIZATION", ""):
            # No page with the menu: it would look the session up.
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        retry = None if unstorable_character(request.path) else request.path
        return render(request, "bad_input.html", {"message": message, "retry": retry}, status=400)


class TenancyGuardMiddleware:
    """Inside a request, client data read without the caller's scope raises `TenancyError`
    (bpo_portal/tenancy.py explains the guard). Placed right after AuthenticationMiddleware, so that
    everything after it (other middleware, views, templates, context processors) runs guarded.

    The signed-in user is looked up from the session first, outside the guard: that lookup is
    what the scope is computed from (`request.user` is otherwise resolved lazily, on first use).

    The Django admin (`/admin/`) is the one part of the site outside the guard, said so here:
    every admin view requires `is_staff`, which only the administrator role gets
    (accounts.services.user_create), and administrators see every tenant's rows (ROLES.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def in_admin(request) -> bool:
        try:
            prefix = reverse("admin:index")  # the URLconf's own (cached by its resolver)
        except NoReverseMatch:  # a URLconf without the admin
            return False
        return request.path_info.startswith(prefix)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            with cross_tenant("the signed-in user is looked up from the session: the scope starts from it"):
                user.is_authenticated  # noqa: B018 - resolves the lazy user now
        if self.in_admin(request):
            with cross_tenant("the Django admin: staff only (the administrator role), who see every tenant"):
                return self.get_response(request)
        with tenancy_guard():
            return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: a strict Content-Security-Policy and Permissions-Policy.

    Every script and style is served from our own origin (static/vendor), so the policy can
    forbid everything else. Swagger UI needs inline script for its initialiser, so the API docs
    page gets a slightly wider policy.
    """

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'; object-src 'none'"
    )
    DOCS_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.DOCS_POLICY if request.path.startswith("/api/docs") else self.POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
