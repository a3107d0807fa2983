from datetime import date

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import CLIENT, effective_role, scope_q
from agents.models import Agent, Team
from bpo_portal.drf import Pagination
from clients.models import Client
from processes.models import Process
from reporting.selectors import GROUPS, SCOPES, kpi_rollup

_SCOPE_MODELS = {"process": Process, "client": Client, "team": Team, "agent": Agent}


def _parse_day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"{value!r} is not a date (YYYY-MM-DD)."}) from None


class KpiView(APIView):
    """KPI figures computed from summed daily components (the portal's KPI definitions), scoped to the caller.

    One scope type (`process`, `client`, `team` or `agent`; repeat it for several codes),
    `start`/`end` inclusive local dates (default: this month to date), `group_by` one of
    day (default), week, month, process, agent, team, client, total. Rates are percentages
    rounded to 2 decimals; undefined rates are null. `components` holds the exact sums.
    Paginated like every list (`count`, `next`, `previous`, `results`; `page_size` up to 1000).
    """

    capability = "kpis.view"

    @extend_schema(
        parameters=[
            *[OpenApiParameter(name, OpenApiTypes.STR, many=True, description=f"{name} code(s)") for name in SCOPES],
            OpenApiParameter("start", OpenApiTypes.DATE, description="first local date, inclusive"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="last local date, inclusive"),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(GROUPS), description="default: day"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        user = request.user
        params = request.query_params
        scopes = [name for name in SCOPES if params.getlist(name)]
        if len(scopes) > 1:
            raise ValidationError({"scope": f"Give one scope type, not {' and '.join(scopes)}."})
        scope = scopes[0] if scopes else None
        codes = list(params.getlist(scope)) if scope else None
        group_by = params.get("group_by") or "day"
        if group_by not in GROUPS:
            raise ValidationError({"group_by": f"{group_by!r} is not one of {', '.join(GROUPS)}."})
        today = timezone.localdate()
        start = _parse_day("start", params.get("start"))
        end = _parse_day("end", params.get("end"))
        if start is None and end is None:
            start, end = today.replace(day=1), today
        if start and end and start > end:
            raise ValidationError({"end": "end is before start."})

        role = effective_role(user)
        people = {scope, group_by} & {"agent", "team"}
        if role == CLIENT and people and not user.client.show_agent_names:
            raise PermissionDenied("Figures per agent or team are not shared with this client.")
        if scope:
            model = _SCOPE_MODELS[scope]
            visible = model.objects.filter(scope_q(model, user))
            if role == CLIENT and scope in ("agent", "team"):
                # Agents and teams working for their client, which they never open as records.
                visible = (
                    model.objects.unscoped("a client user names the agents and teams of their own client's figures")
                    .filter(**{"processes__client" if scope == "agent" else "agents__processes__client": user.client})
                    .distinct()
                )
            found = set(visible.filter(code__in=codes).values_list("code", flat=True))
            if found != set(codes):
                raise Http404
        rows = kpi_rollup(user=user, group_by=group_by, scope=scope, codes=codes, start=start, end=end)
        if group_by in ("agent", "team") and role != CLIENT:
            model = _SCOPE_MODELS[group_by]
            allowed = set(model.objects.filter(scope_q(model, user)).values_list("code", flat=True))
            rows = [row for row in rows if row.key is None or row.key in allowed]
        # Paginated like every list of the API (API.md: count, next, previous, results;
        # ?page_size= up to 1000), with the period and grouping the figures are for.
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        listed = paginator.get_paginated_response([row.as_dict(group_by) for row in page]).data
        return Response({"start": start, "end": end, "group_by": group_by, **listed})
