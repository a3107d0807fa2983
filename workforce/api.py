import math
import re
from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from bpo_portal.drf import Pagination
from bpo_portal.parsing import FIRST_DATE_YEAR, LAST_DATE_YEAR, parse_calendar_date
from processes.models import Process
from workforce import erlang, selectors
from workforce.forecasting import METHODS
from workforce.models import ForecastMethod

# name → (required, unit and meaning, OpenAPI 3.0 bounds); the checks themselves are erlang's.
PARAMETERS = {
    "contacts": (True, "contacts offered in the interval (forecast; decimals allowed)", {"minimum": 0}),
    "interval_seconds": (
        True,
        "the interval's length T in seconds, e.g. 1800",
        {"minimum": 0, "exclusiveMinimum": True},
    ),
    "aht": (True, "average handle time h in seconds", {"minimum": 0, "exclusiveMinimum": True}),
    "target": (
        True,
        "service-level target in % (0 ≤ target < 100)",
        {"minimum": 0, "maximum": 100, "exclusiveMaximum": True},
    ),
    "threshold": (True, "service-level threshold t in seconds (answered within t)", {"minimum": 0}),
    "shrinkage": (
        False,
        "shrinkage in % (default 30; below 100)",
        {"minimum": 0, "maximum": 100, "exclusiveMaximum": True},
    ),
    "max_occupancy": (
        False,
        "maximum occupancy in % (default 85; above 0)",
        {"minimum": 0, "exclusiveMinimum": True, "maximum": 100},
    ),
    "concurrency": (False, "chat: contacts one agent handles at once (default 1; it divides h)", {"minimum": 1}),
}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class ErlangSerializer(serializers.Serializer):
    """The calculator's answer (rounded): see erlang.Staffing."""

    traffic = serializers.FloatField(help_text="offered traffic A in Erlangs (4 decimals)")
    agents = serializers.IntegerField(help_text="required agents N on the queue")
    agents_with_shrinkage = serializers.IntegerField(help_text="scheduled requirement ⌈N ÷ (1 − shrinkage)⌉")
    service_level = serializers.FloatField(help_text="service level in % within the threshold (2 decimals)")
    asa = serializers.FloatField(help_text="average speed of answer in seconds (2 decimals)")
    occupancy = serializers.FloatField(
        allow_null=True, help_text="occupancy A ÷ N in % (2 decimals); null with no agents (zero contacts)"
    )
    probability_wait = serializers.FloatField(help_text="Erlang C probability of waiting Pw, 0 to 1 (4 decimals)")


def _parse(params) -> dict:
    """The query's numbers, or ValidationError with a message per missing or non-numeric one.
    An empty parameter is no parameter (as for every filter)."""
    values, errors = {}, {}
    for name, (required, meaning, _bounds) in PARAMETERS.items():
        raw = params.get(name, "")
        if raw == "":
            if required:
                errors[name] = [f"This parameter is required: {meaning}."]
            continue
        if not (raw.isascii() and _NUMBER.fullmatch(raw)):
            errors[name] = [f"{raw[:40]!r} is not a number: {meaning}."]
            continue
        if not math.isfinite(float(raw)):
            errors[name] = [f"{raw[:40]!r} is too large a number: {meaning}."]
            continue
        values[name] = float(raw)
    if errors:
        raise ValidationError(errors)
    return values


def _rounded(result: erlang.Staffing) -> dict:
    return {
        "traffic": round(result.traffic, 4),
        "agents": result.agents,
        "agents_with_shrinkage": result.agents_with_shrinkage,
        "service_level": round(result.service_level, 2),
        "asa": round(result.asa, 2),
        "occupancy": None if result.occupancy is None else round(result.occupancy, 2),
        "probability_wait": round(result.probability_wait, 4),
    }


class ErlangView(APIView):
    """Erlang C calculator (WFM.md "Staffing requirement (Erlang C)"): the agents one interval
    needs to answer `target` % of `contacts` within `threshold` seconds, at most `max_occupancy` %
    busy, and the scheduled requirement with `shrinkage` %. The answer is for the required number
    of agents: traffic in Erlangs, service level and occupancy in %, ASA in seconds, the
    probability of waiting as a fraction. Zero contacts: 0 agents, service level 100, ASA 0,
    occupancy null. Needs no data: the same answer for every caller allowed to plan.
    """

    capability = "workforce.view"

    @extend_schema(
        parameters=[
            OpenApiParameter(name, {"type": "number", **bounds}, required=required, description=meaning)
            for name, (required, meaning, bounds) in PARAMETERS.items()
        ],
        responses={200: ErlangSerializer},
    )
    def get(self, request):
        values = _parse(request.query_params)
        try:
            result = erlang.staffing(**values)
        except erlang.InputError as exc:
            raise ValidationError({name: [message] for name, message in exc.errors.items()}) from None
        return Response(ErlangSerializer(_rounded(result)).data)


# --- GET /api/v1/forecast/ ---------------------------------------------------------------------------

FORECAST_MAX_DAYS = 92


class ForecastIntervalSerializer(serializers.Serializer):
    interval_start = serializers.CharField(help_text="start of the interval, ISO-8601 with the process's local offset")
    contacts = serializers.FloatField(help_text="forecast contacts in the interval, after adjustments (2 decimals)")
    aht = serializers.FloatField(help_text="forecast average handle time in seconds (1 decimal)")
    method = serializers.ChoiceField(choices=ForecastMethod.choices, help_text="the method that made this forecast")
    actual_contacts = serializers.IntegerField(
        allow_null=True, help_text="past intervals: contacts that arrived (offered or received); null for the future"
    )
    actual_aht = serializers.FloatField(
        allow_null=True, help_text="past intervals: actual AHT in seconds (1 decimal); null when none was handled"
    )


class ForecastListSerializer(serializers.Serializer):
    process = serializers.CharField(help_text="process code")
    start = serializers.DateField(help_text="first local date")
    end = serializers.DateField(help_text="last local date")
    method = serializers.CharField(
        allow_null=True, help_text="the method chosen (or pinned) by the latest forecast run"
    )
    wape = serializers.FloatField(
        allow_null=True, help_text="interval WAPE in % of the chosen method over the 28-day backtest; null if none"
    )
    wape_by_method = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="method → interval WAPE in % over the backtest"
    )
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ForecastIntervalSerializer(many=True)


def _forecast_params(params) -> tuple[str, date, date]:
    """process, start, end, or ValidationError with a message per bad parameter."""
    errors, days = {}, {}
    code = params.get("process", "").strip()
    if not code:
        errors["process"] = ["This parameter is required: a process code."]
    for name in ("start", "end"):
        raw = params.get(name, "")
        if not raw:
            errors[name] = ["This parameter is required: a local date (YYYY-MM-DD)."]
            continue
        try:
            days[name] = parse_calendar_date(raw) if raw.isascii() and len(raw) == 10 else None
        except ValueError:
            days[name] = None
        if days[name] is None:
            errors[name] = [f"{raw[:40]!r} is not a date (YYYY-MM-DD, years {FIRST_DATE_YEAR}–{LAST_DATE_YEAR})."]
    if not errors and days["end"] < days["start"]:
        errors["end"] = ["end is before start."]
    elif not errors and (days["end"] - days["start"]).days + 1 > FORECAST_MAX_DAYS:
        errors["end"] = [f"At most {FORECAST_MAX_DAYS} days from start to end."]
    if errors:
        raise ValidationError(errors)
    return code, days["start"], days["end"]


def _interval_row(item, past: bool) -> dict:
    row = item.row if past else item
    return {
        "interval_start": row.local_start.isoformat(),
        "contacts": round(row.contacts, 2),
        "aht": round(row.aht, 1),
        "method": row.method,
        "actual_contacts": item.actual_contacts if past else None,
        "actual_aht": None if not past or item.actual_aht is None else round(item.actual_aht, 1),
    }


class ForecastView(APIView):
    """The stored forecast of a process per interval over local dates [start, end] (at most 92
    days; WFM.md "Forecast"): contacts (after the planners' adjustments) and AHT in seconds, the
    method, and for intervals already over the actual contacts and AHT. With the method chosen by
    the latest forecast run and the interval WAPE (%) of each method over its 28-day backtest.
    Paginated like every list (`count`, `next`, `previous`, `results`; `page_size` up to 1000).
    A process outside the caller's scope is a 404.
    """

    capability = "workforce.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("process", OpenApiTypes.STR, required=True, description="process code"),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="first local date, inclusive"),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, required=True, description="last local date, inclusive (≤ 92 days)"
            ),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="page number (from 1)"),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1},
                description="results per page (default 50, at most 1000)",
            ),
        ],
        responses={200: ForecastListSerializer},
    )
    def get(self, request):
        code, start, end = _forecast_params(request.query_params)
        process = Process.objects.visible_to(request.user).filter(code=code).first()
        if process is None:
            raise Http404
        now = timezone.now()
        step = timedelta(minutes=process.interval_minutes)
        past = {item.row.interval_start: item for item in selectors.forecast_vs_actual(process, start, end, now - step)}
        rows = selectors.forecast_range(process, start, end)
        run = selectors.forecast_latest_run(process)
        wapes = dict(run.wape) if run else dict.fromkeys(METHODS)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        results = [_interval_row(past.get(row.interval_start, row), row.interval_start in past) for row in page]
        listed = paginator.get_paginated_response(results).data
        head = {"process": process.code, "start": start, "end": end, "method": run.method if run else None}
        head |= {"wape": wapes.get(run.method) if run else None, "wape_by_method": wapes}
        return Response({**head, **listed})
