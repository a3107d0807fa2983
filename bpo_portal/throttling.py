"""API request throttles (rates in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).

They count in the default cache: Redis when REDIS_URL is set (shared by every web process), else
this process's memory. A cache that cannot be reached lets the request through (and is logged):
throttling must never turn an outage of Redis into an outage of the API.
"""

import logging

from rest_framework import throttling
from rest_framework.settings import api_settings

log = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address as the sign-in lockout and the throttles both see it: REMOTE_ADDR, or
    behind AXES_PROXY_COUNT reverse proxies the address the outermost one saw (the proxies append
    to X-Forwarded-For, so entries left of it are the client's to invent)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies <= 0 or not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


class _FailOpen:
    def get_rate(self):
        # Read when the throttle is made (DRF binds the rates at import), so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache (Redis) is down
            log.warning("Request throttle skipped: the cache is unreachable (%s: %s)", type(exc).__name__, exc)
            return True


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Per signed-in user (per address without credentials): rate "user"."""


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Per address, requests without credentials: rate "anon"."""


class TokenRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Per address, on the token endpoint whoever calls it: rate "auth-token"."""

    scope = "auth-token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
