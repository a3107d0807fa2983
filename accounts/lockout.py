"""Sign-in lockout (django-axes) with one limit per kind of guessing, and its 429 answers.

Three counts of failed sign-ins within the cool-off (AXES_COOLOFF_MINUTES), each with its own limit:

- one username from one address (AXES_FAILURE_LIMIT): a user who mistyped;
- one username from any address (AXES_USERNAME_FAILURE_LIMIT): distributed guessing of one account;
- one address for any username (AXES_IP_FAILURE_LIMIT): password spraying from one machine.

Reaching any of them refuses every sign-in it covers (page, token endpoint, admin) until the cool-off
has passed since the last failure, even with the right password. A successful sign-in clears only
that user's failures from that address, so an attacker's own account cannot wipe the address's count.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render

# The order of settings.AXES_LOCKOUT_PARAMETERS, with the setting holding each one's limit.
LIMIT_SETTINGS = {
    ("username", "ip_address"): "AXES_FAILURE_LIMIT",
    ("username",): "AXES_USERNAME_FAILURE_LIMIT",
    ("ip_address",): "AXES_IP_FAILURE_LIMIT",
}


def _limits() -> list[int]:
    limits = []
    for parameter in settings.AXES_LOCKOUT_PARAMETERS:
        key = (parameter,) if isinstance(parameter, str) else tuple(parameter)
        limits.append(getattr(settings, LIMIT_SETTINGS[key]))
    return limits


class LimitsHandler(AxesDatabaseHandler):
    """Axes' database handler, with each lockout parameter compared with its own limit."""

    def failure_counts(self, request, credentials=None) -> list[int]:
        return [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]

    def get_failures(self, request, credentials=None) -> int:
        """Axes locks out when this reaches AXES_FAILURE_LIMIT: the (username, address) count,
        raised to that limit when the username's or the address's own limit is reached."""
        counts = self.failure_counts(request, credentials)
        pair = counts[0] if counts else 0
        if any(count >= limit for count, limit in zip(counts, _limits(), strict=True)):
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On a successful sign-in: forget this username's failures from this address only."""
        from axes.models import AccessAttempt  # noqa: PLC0415 - axes' models load after the settings that name this module

        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


def retry_after_seconds(request=None) -> int:
    cool_off = get_cool_off(request) or timedelta(0)
    return max(1, int(cool_off.total_seconds()))


LOCKED_MESSAGE = "Too many failed sign-in attempts; try again later."


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After (seconds): JSON on the API, the "Sign-in paused" page elsewhere."""
    seconds = retry_after_seconds(request)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": f"{LOCKED_MESSAGE} Retry after {seconds} s.", "retry_after_seconds": seconds}, status=429
        )
    else:
        minutes = -(-seconds // 60)
        response = render(request, "registration/locked_out.html", {"retry_after_minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


# django-axes stores a failed sign-in's username in a 255-character column; a longer one (no real
# user has one: usernames are at most 150) would fail its INSERT with a server error on PostgreSQL.
AXES_USERNAME_LENGTH = 255


def client_username(request, credentials=None):
    """The username axes counts failures under (AXES_USERNAME_CALLABLE): the submitted one, as
    axes reads it by default, cut to the length axes can store."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    username = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username)[:AXES_USERNAME_LENGTH]
