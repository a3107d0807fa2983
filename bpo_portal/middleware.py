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
