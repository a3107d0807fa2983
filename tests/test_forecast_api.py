"""GET /api/v1/forecast/ (API.md) and the forecast page (WFM.md "Forecast"): fields, per-field
400s, roles, tenant scope; the page's tables, chart, forms and CSV exports."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import api_as
from tests.test_forecasting import kpi_rows, synthetic
from workforce import services
from workforce.models import ForecastAdjustment, ForecastMethod, PlanningSettings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 17:30 in Asia/Kolkata (ALPHA)
TODAY = date(2026, 12, 3)
URL = "/api/v1/forecast/"


@pytest.fixture
def forecast(alpha, bravo):
    """ALPHA's and BRAVO's voice processes with 10 weeks of history and a forecast run."""
    with time_machine.travel(NOW, tick=False):
        for tenant in (alpha, bravo):
            tz = ZoneInfo(tenant.process.timezone)
            kpi_rows(tenant.process, synthetic(TODAY - timedelta(days=70), TODAY - timedelta(days=1), tz, noise=1.0))
            services.forecast_run(process=tenant.process)
        yield alpha


def _get(user, **params):
    with time_machine.travel(NOW, tick=False):
        return api_as(user).get(URL, params)


def test_forecast_api_fields_and_pagination(forecast):
    start, end = (TODAY - timedelta(days=1)).isoformat(), TODAY.isoformat()
    response = _get(forecast.ops, process="ALPHA-VOICE", start=start, end=end, page_size=1000)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["process"] == "ALPHA-VOICE" and body["count"] == 192
    assert set(body) >= {"count", "next", "previous", "results", "method", "wape", "wape_by_method"}
    assert body["method"] in ForecastMethod.values
    assert set(body["wape_by_method"]) == set(ForecastMethod.values)
    assert body["wape"] == body["wape_by_method"][body["method"]] and body["wape"] > 0
    first, last = body["results"][0], body["results"][-1]
    assert first["interval_start"] == "2026-12-02T00:00:00+05:30"
    assert set(first) == {"interval_start", "contacts", "aht", "method", "actual_contacts", "actual_aht"}
    assert isinstance(first["actual_contacts"], int)
    assert first["aht"] == 180.0
    # Kolkata 17:30 now: the last interval of today is still to come.
    assert last["interval_start"] == "2026-12-03T23:45:00+05:30"
    assert last["actual_contacts"] is None and last["actual_aht"] is None
    paged = _get(forecast.ops, process="ALPHA-VOICE", start=start, end=end, page_size=50).json()
    assert len(paged["results"]) == 50 and paged["next"]


def test_forecast_api_actual_aht_is_null_without_handled(forecast):
    body = _get(forecast.ops, process="ALPHA-VOICE", start="2026-12-02", end="2026-12-02", page_size=1000).json()
    nights = [r for r in body["results"] if r["actual_contacts"] == 0]
    assert nights and all(r["actual_aht"] is None for r in nights)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"start": "2026-12-01", "end": "2026-12-02"}, "process"),
        ({"process": "ALPHA-VOICE", "end": "2026-12-02"}, "start"),
        ({"process": "ALPHA-VOICE", "start": "2026-12-01"}, "end"),
        ({"process": "ALPHA-VOICE", "start": "2026-13-01", "end": "2026-12-02"}, "start"),
        ({"process": "ALPHA-VOICE", "start": "yesterday", "end": "2026-12-02"}, "start"),
        ({"process": "ALPHA-VOICE", "start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"process": "ALPHA-VOICE", "start": "2026-12-03", "end": "2026-12-02"}, "end"),
        ({"process": "ALPHA-VOICE", "start": "2026-01-01", "end": "2026-12-02"}, "end"),
        ({"process": "ALPHA-VOICE", "start": "2026-12-01", "end": "2026-12-02", "page_size": "0"}, "page_size"),
    ],
)
def test_forecast_api_bad_input_is_a_400_naming_the_field(alpha, params, field):
    response = _get(alpha.ops, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_forecast_api_92_days_is_the_most(alpha):
    ok = _get(alpha.ops, process="ALPHA-VOICE", start="2026-12-01", end="2027-03-02")
    assert ok.status_code == 200
    assert _get(alpha.ops, process="ALPHA-VOICE", start="2026-12-01", end="2027-03-03").status_code == 400


@pytest.mark.parametrize("role", ["client_user", "agent_user", "qa"])
def test_forecast_api_is_refused_to_clients_agents_and_qa(alpha, role):
    response = _get(getattr(alpha, role), process="ALPHA-VOICE", start="2026-12-01", end="2026-12-02")
    assert response.status_code == 403


def test_forecast_api_other_tenant_is_404_like_a_missing_process(forecast, bravo):
    foreign = _get(forecast.ops, process="BRAVO-VOICE", start="2026-12-01", end="2026-12-02")
    missing = _get(forecast.ops, process="NOPE-VOICE", start="2026-12-01", end="2026-12-02")
    assert foreign.status_code == missing.status_code == 404
    assert "BRAVO" not in foreign.content.decode()
    assert _get(forecast.team_leader, process="ALPHA-VOICE", start="2026-12-01", end="2026-12-02").status_code == 200


def test_forecast_api_without_a_run_answers_nulls(alpha):
    body = _get(alpha.ops, process="ALPHA-VOICE", start="2026-12-01", end="2026-12-02").json()
    assert body["count"] == 0 and body["method"] is None and body["wape"] is None
    assert body["wape_by_method"] == dict.fromkeys(ForecastMethod.values)


def test_forecast_api_is_in_the_schema(alpha):
    schema = api_as(alpha.ops).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/forecast/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"process", "start", "end", "page", "page_size"} <= names
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"wape", "wape_by_method", "results", "method"} <= set(schema["components"]["schemas"][ref]["properties"])


# --- the page ------------------------------------------------------------------------------------

PAGE = "/workforce/ALPHA-VOICE/forecast/"


def _page(client, user, url=PAGE, **params):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(url, params)


def test_page_renders_for_a_team_leader_with_band_chart_accuracy_and_forms(client, forecast):
    response = _page(client, forecast.team_leader, date="2026-12-02")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="interval-table"' in text and 'data-testid="accuracy-table"' in text
    assert "IST" in text  # times labelled with the zone
    assert 'data-chart="chart-forecast"' in text and "Band high" in text
    assert "Recompute forecast" in text and 'name="forecast_method"' in text and 'name="percent"' in text
    assert "vendor/chartjs/chart.umd.min.js" in text
    rows = response.context["rows"]
    assert len(rows) == 96 and all(r["versus"] is not None for r in rows)
    outside = [r for r in rows if r["versus"].outside]
    assert response.context["outside"] == len(outside)
    for r in outside:
        assert not r["versus"].low <= r["versus"].actual_contacts <= r["versus"].high


def test_page_is_404_for_another_tenant_and_403_for_a_client(client, forecast, bravo):
    assert _page(client, forecast.team_leader, url="/workforce/BRAVO-VOICE/forecast/").status_code == 404
    assert _page(client, bravo.team_leader).status_code == 404
    assert _page(client, forecast.client_user).status_code == 403


def test_page_csv_exports(client, forecast):
    intervals = _page(client, forecast.ops, date="2026-12-02", export="intervals")
    assert intervals["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(intervals.content.decode())))
    assert rows[0][:3] == ["interval_start_local", "zone", "forecast_contacts"] and len(rows) == 97
    assert rows[1][0] == "2026-12-02T00:00:00+05:30" and rows[1][1] == "IST"
    accuracy = list(csv.reader(io.StringIO(_page(client, forecast.ops, export="accuracy").content.decode())))
    assert accuracy[1][0] == "all days" and len(accuracy) == 2 + 28
    assert _page(client, forecast.ops, export="adjustments").status_code == 200
    assert _page(client, forecast.ops, export="nope").status_code == 404


def test_page_adjustment_form_saves_and_refuses_bad_input(client, forecast):
    client.force_login(forecast.ops)
    with time_machine.travel(NOW, tick=False):
        bad = client.post(PAGE, {"action": "adjust", "day": "2026-12-05", "percent": "5000", "note": ""})
        assert bad.status_code == 400
        assert "between −100 % and +1000 %" in bad.content.decode() and "note is required" in bad.content.decode()
        ok = client.post(PAGE, {"action": "adjust", "day": "2026-12-05", "percent": "25", "note": "Black Friday"})
        assert ok.status_code == 302
        page = client.get(PAGE, {"date": "2026-12-05"}).content.decode()
    adjustment = ForecastAdjustment.objects.get()
    assert adjustment.created_by == forecast.ops and adjustment.note == "Black Friday"
    assert "Black Friday" in page and "ops_alpha" in page
    rows = services.Forecast.objects.filter(local_date=date(2026, 12, 5), process=forecast.process)
    assert all(abs(r.contacts - r.base_contacts * 1.25) < 1e-3 for r in rows)


def test_page_withdraws_an_adjustment_of_its_own_process_only(client, forecast):
    client.force_login(forecast.ops)
    with time_machine.travel(NOW, tick=False):
        client.post(PAGE, {"action": "adjust", "day": "2026-12-05", "percent": "25", "note": "Black Friday"})
        adjustment = ForecastAdjustment.objects.get()
        page = client.get(PAGE, {"date": "2026-12-05"}).content.decode()
        assert 'data-testid="withdraw-form"' in page and 'value="withdraw"' in page
        bravo = client.post("/workforce/BRAVO-VOICE/forecast/", {"action": "withdraw", "adjustment": adjustment.pk})
        assert bravo.status_code == 404  # another client's process is not in ops_alpha's scope
        gone = client.post(PAGE, {"action": "withdraw", "adjustment": "12x"}, follow=True)
        assert "No such adjustment on this process." in gone.content.decode()
        ok = client.post(PAGE, {"action": "withdraw", "adjustment": adjustment.pk})
        assert ok.status_code == 302
        again = client.post(PAGE, {"action": "withdraw", "adjustment": adjustment.pk}, follow=True)
        assert "already withdrawn" in again.content.decode()
        page = client.get(PAGE, {"date": "2026-12-05"}).content.decode()
        rows = list(csv.reader(io.StringIO(_page(client, forecast.ops, export="adjustments").content.decode())))
    adjustment.refresh_from_db()
    assert adjustment.withdrawn_by == forecast.ops and "withdrawn" in page and 'data-testid="withdraw-form"' not in page
    assert rows[0][-2:] == ["withdrawn_by", "withdrawn_at_utc"] and rows[1][-2] == "ops_alpha"
    rows = services.Forecast.objects.filter(local_date=date(2026, 12, 5), process=forecast.process)
    assert all(abs(r.contacts - r.base_contacts) < 1e-3 for r in rows)


def test_page_method_form_pins_and_recompute_runs(client, forecast, django_capture_on_commit_callbacks):
    client.force_login(forecast.ops)
    with time_machine.travel(NOW, tick=False):
        response = client.post(PAGE, {"action": "method", "forecast_method": ForecastMethod.SEASONAL_NAIVE})
        assert response.status_code == 302
        assert PlanningSettings.objects.get(process=forecast.process).forecast_method == ForecastMethod.SEASONAL_NAIVE
        with django_capture_on_commit_callbacks(execute=True) as queued:
            assert client.post(PAGE, {"action": "recompute"}).status_code == 302
        assert len(queued) == 1
        page = client.get(PAGE).content.decode()
    assert "(pinned)" in page and "Seasonal naive" in page
    assert client.post(PAGE, {"action": "method", "forecast_method": "magic"}).status_code == 400
