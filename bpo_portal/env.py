"""Typed readers for environment variables that fail loudly, naming the variable.

Used only by settings.py. Each reader returns the default when the variable is absent or empty,
and raises ImproperlyConfigured with the variable's name when it is present but unusable.
"""

import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None) -> str:
    value = _raw(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_rate(name: str, default: str) -> str:
    """A request rate as DRF's throttles read it: "<requests>/<second|minute|hour|day>"."""
    value = env_str(name, default).strip()
    number, _, period = value.partition("/")
    if not (number.isdigit() and int(number) > 0 and period in {"second", "minute", "hour", "day", "s", "m", "h", "d"}):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a request rate such as 1200/minute (requests per second, minute, hour or day)."
        )
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true/false, 1/0, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty entry: separate values with single commas.")
    return items


def env_url(name: str, default: str | None, *, schemes: tuple[str, ...]) -> str | None:
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL: expected {' or '.join(s + '://host…' for s in schemes)}."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} has an invalid port.") from None
    return value


def env_database(name: str, default: str) -> dict:
    """A DATABASES entry from a URL: sqlite:///path or postgres://user:pass@host:port/name."""

    value = _raw(name) or default
    scheme = urlsplit(value).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={value!r}: unsupported database; use sqlite:///path or postgres://user@host:port/name."
        )
    try:
        config = dj_database_url.parse(value, conn_max_age=0 if scheme == "sqlite" else 60)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a valid database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={value!r} names no database.")
    return config
