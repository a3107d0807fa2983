import math
import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from workforce import erlang

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
