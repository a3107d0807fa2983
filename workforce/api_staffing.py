"""`GET /api/v1/staffing/?process=CODE&date=YYYY-MM-DD`: the staffing requirement of one process
on one local day, per planning interval (WFM.md "Staffing requirement (Erlang C)"; computed by
workforce.staffing)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from bpo_portal.drf import Pagination
from bpo_portal.parsing import FIRST_DATE_YEAR, LAST_DATE_YEAR, parse_calendar_date
from processes.models import Process
from workforce import staffing


class DayPagination(Pagination):
    """A local day has at most 100 quarter hours: the default page is the whole day."""

    page_size = 100


def _r(value, digits):
    return None if value is None else round(value, digits)


class StaffingIntervalSerializer(serializers.Serializer):
    interval_start = serializers.CharField(help_text="start of the interval, ISO-8601 with the process's local offset")
    open = serializers.BooleanField(help_text="the service calendar is open in the interval (closed: nobody needed)")
    contacts = serializers.FloatField(help_text="forecast contacts C in the interval (0 closed or without forecast)")
    aht = serializers.FloatField(allow_null=True, help_text="forecast average handle time in seconds")
    handle_time = serializers.FloatField(allow_null=True, help_text="h = AHT ÷ concurrency, seconds")
    traffic = serializers.FloatField(allow_null=True, help_text="offered traffic A in Erlangs (null: no queue)")
    required = serializers.IntegerField(help_text="required agents N (on the queue / at work)")
    required_with_shrinkage = serializers.IntegerField(help_text="scheduled requirement ⌈N ÷ (1 − shrinkage)⌉")
    scheduled = serializers.IntegerField(help_text="agents available: active agents staffed on the process")
    gap = serializers.IntegerField(help_text="scheduled − required_with_shrinkage (negative: short)")
    service_level = serializers.FloatField(allow_null=True, help_text="% within the threshold at N (null: no queue)")
    asa = serializers.FloatField(allow_null=True, help_text="average speed of answer at N, seconds (null: no queue)")
    occupancy = serializers.FloatField(allow_null=True, help_text="A ÷ N in % (null: no agents or no queue)")
    probability_wait = serializers.FloatField(allow_null=True, help_text="Erlang C Pw, 0 to 1 (null: no queue)")
    agent_hours = serializers.FloatField(help_text="required agent-hours of the interval (without shrinkage)")
    workload_hours = serializers.FloatField(
        allow_null=True, help_text="email / back office: agent-hours placed here before the TAT deadlines"
    )


class StaffingDaySerializer(serializers.Serializer):
    process = serializers.CharField()
    date = serializers.DateField()
    timezone = serializers.CharField()
    interval_minutes = serializers.IntegerField()
    target = serializers.FloatField(help_text="service-level target used, % (the SLA target, else 80)")
    threshold = serializers.IntegerField(help_text="service-level threshold t, seconds")
    shrinkage = serializers.FloatField(help_text="%")
    max_occupancy = serializers.FloatField(help_text="%")
    concurrency = serializers.IntegerField()
    agent_hours = serializers.FloatField(help_text="the day's required agent-hours (without shrinkage)")
    agent_hours_with_shrinkage = serializers.FloatField()
    fte = serializers.FloatField(help_text="agent-hours with shrinkage ÷ paid hours per FTE")
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = StaffingIntervalSerializer(many=True)


def interval_data(row: staffing.Interval) -> dict:
    return {
        "interval_start": row.local_start.isoformat(),
        "open": row.open,
        "contacts": round(row.contacts, 2),
        "aht": _r(row.aht, 2),
        "handle_time": _r(row.h, 2),
        "traffic": _r(row.traffic, 4),
        "required": row.required,
        "required_with_shrinkage": row.required_with_shrinkage,
        "scheduled": row.scheduled,
        "gap": row.gap,
        "service_level": _r(row.service_level, 2),
        "asa": _r(row.asa, 2),
        "occupancy": _r(row.occupancy, 2),
        "probability_wait": _r(row.probability_wait, 4),
        "agent_hours": round(row.agent_hours, 4),
        "workload_hours": _r(row.workload_hours, 4),
    }


def _parse(request):
    errors = {}
    code = request.query_params.get("process", "").strip()
    raw = request.query_params.get("date", "").strip()
    if not code:
        errors["process"] = ["This parameter is required: a process code."]
    day = None
    if not raw:
        errors["date"] = ["This parameter is required: a local date YYYY-MM-DD."]
    else:
        try:
            day = parse_calendar_date(raw) if raw.isascii() and len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors["date"] = [
                f"{raw[:40]!r} is not a date: use YYYY-MM-DD (a local date of the process, years "
                f"{FIRST_DATE_YEAR}–{LAST_DATE_YEAR})."
            ]
    if errors:
        raise ValidationError(errors)
    process = Process.objects.visible_to(request.user).filter(code__iexact=code).first()
    if process is None:
        raise NotFound("No process with this code.")
    return process, day


class StaffingView(APIView):
    """The staffing requirement of a process on a local day, per planning interval: forecast
    contacts and AHT, traffic, required agents (Erlang C for voice and chat; the workload rule,
    placed before each item's TAT deadline, for email and back office), with shrinkage, the agents
    available (active agents staffed on the process: no schedules exist yet) and the gap, and the
    service level, ASA, occupancy and probability of waiting at the required agents. The inputs
    used are at the top. 404 for a process outside the caller's scope."""

    capability = "workforce.view"
    pagination_class = DayPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("process", str, required=True, description="process code"),
            OpenApiParameter("date", {"type": "string", "format": "date"}, required=True, description="local date"),
            OpenApiParameter("page", int, description="page number (from 1)"),
            OpenApiParameter("page_size", int, description="results per page (default 100, a whole day; at most 1000)"),
        ],
        responses={200: StaffingDaySerializer},
    )
    def get(self, request):
        process, day = _parse(request)
        plan = staffing.plan_day(process, day)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(plan.intervals, request, view=self)
        inputs = plan.inputs
        body = {
            "process": process.code,
            "date": day.isoformat(),
            "timezone": process.timezone,
            "interval_minutes": inputs.interval_minutes,
            "target": inputs.target,
            "threshold": inputs.threshold,
            "shrinkage": inputs.shrinkage,
            "max_occupancy": inputs.max_occupancy,
            "concurrency": inputs.concurrency,
            "agent_hours": round(plan.agent_hours, 4),
            "agent_hours_with_shrinkage": round(plan.agent_hours_with_shrinkage, 4),
            "fte": round(plan.fte, 4),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": [interval_data(row) for row in page],
        }
        return Response(body)
