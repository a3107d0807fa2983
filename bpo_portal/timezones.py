from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone


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


# --- showing a moment in a named zone ----------------------------------------------------------------
# Every time the portal prints names its zone: a process's local time carries that zone's
# abbreviation ("14:05 EST", "19:35 IST"), a time that belongs to no process (an upload, a
# report version) is shown in the portal's TIME_ZONE, labelled the same way.


def portal_zone() -> str:
    return settings.TIME_ZONE


def in_zone(moment: datetime, tz_name: str | None = None) -> datetime:
    """`moment` (aware; a naive one is taken as UTC) as wall-clock time in `tz_name` (the
    portal's TIME_ZONE when None)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz_name or portal_zone()))


def zone_abbreviation(moment: datetime, tz_name: str | None = None) -> str:
    """The zone's abbreviation at that moment ("EST", "EDT", "IST", "UTC"); zones without a
    lettered one get their offset, "UTC+04:00" (tzdata spells those "+04")."""
    local = in_zone(moment, tz_name)
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        return "UTC" + utc_offset(local)
    return name


def utc_offset(local: datetime) -> str:
    """The offset as "+05:30" or "−05:00" ("" for UTC itself), with a true minus sign."""
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return ""
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def zone_label(tz_name: str | None = None, at: datetime | None = None) -> str:
    """The zone named with its abbreviation and offset at `at` (now by default):
    "America/New_York (EST, UTC−05:00)"; "UTC" for UTC."""

    tz_name = tz_name or portal_zone()
    local = in_zone(at or timezone.now(), tz_name)
    offset = utc_offset(local)
    if tz_name == "UTC" or (not offset and zone_abbreviation(local, tz_name) == "UTC"):
        return tz_name
    abbreviation = zone_abbreviation(local, tz_name)
    offset_text = f"UTC{offset}" if offset else "UTC+00:00"
    if abbreviation == offset_text:
        return f"{tz_name} ({offset_text})"
    return f"{tz_name} ({abbreviation}, {offset_text})"


def local_days_rule(zones) -> str:
    """How a page that reads several processes' figures counts its days: each figure belongs to
    the local calendar day of its own process (KPIS.md), so a page mixing zones names them all."""
    names = sorted({z for z in zones if z})
    if not names:
        return f"local days in {portal_zone()}"
    if len(names) == 1:
        return f"local days in {names[0]}"
    return f"local days of each process ({', '.join(names)})"
