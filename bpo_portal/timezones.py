from functools import lru_cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(_zones()) if "/" in name or name == "UTC"]


def validate_timezone(value: str) -> None:
    if value not in _zones():
        raise ValidationError(
            "%(value)s is not a known IANA time zone (e.g. Europe/London, Asia/Kolkata).",
            code="invalid_timezone",
            params={"value": value},
        )
