"""Schemathesis over the whole API, as each role (issue 14, item 4): the OpenAPI schema at
/api/schema/ must tell the truth about every answer.

The small demo (35 days at scale 0.02) is seeded once in the test database and served by a live
server; `schemathesis run` then fuzzes every operation of the schema (its examples, coverage,
fuzzing and stateful phases) with the token of one role at a time: admin, an operations manager
limited to ACME, a team leader, a QA analyst, an agent and a client user. The checks:

- not_a_server_error: no 5xx, whatever the input;
- status_code_conformance: every status code answered is documented for its operation;
- content_type_conformance: so is every Content-Type (the report files: PDF, XLSX, CSV);
- response_schema_conformance: every body matches its documented schema (nullable fields too).

Bounded for CI (the suite runs serially): at most API_FUZZ_EXAMPLES cases per operation and
API_FUZZ_SECONDS seconds per role (defaults 25 and 10: about 90 s in all with the start of each run). Raise them
for a deeper local run, e.g. `API_FUZZ_SECONDS=300 pytest tests/test_api_fuzz.py`. A failure
shows schemathesis's report: each failing case with its curl line, and the run's seed
(`--seed` reproduces it). The fuzzer writes through the API (POST, PATCH): the database is
emptied again afterwards.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import ROOT, require

ROLES = ["admin", "ops.acme", "tl.north", "qa", "agent", "client.acme"]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
SECONDS = int(os.environ.get("API_FUZZ_SECONDS", "10"))
REQUEST_TIMEOUT = 30  # seconds: a report (re)generation renders its PDF within the request


def _schemathesis():
    try:
        import schemathesis
    except ImportError:
        require(False, "schemathesis is not installed (pip install -r requirements-dev.txt)")
    return schemathesis


@pytest.fixture
def demo_api(django_db_setup, django_db_blocker):
    """The small demo committed to the test database (the test itself holds no transaction: the
    live server's threads must see the data), a live server over it and a token per role; the
    database and cache are emptied again right afterwards for the tests that follow."""
    from django.core.cache import cache
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), hashers:
        name = str(connection.settings_dict["NAME"])
        assert "memory" in name or os.path.basename(name).startswith("test_"), f"not a test database: {name}"
        call_command("seed_demo", "--days", "35", "--scale", "0.02", "--quiet-logins", stdout=io.StringIO())
        tokens = {role: Token.objects.get_or_create(user=User.objects.get(username=role))[0].key for role in ROLES}
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url, tokens
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


def _fuzz(base_url: str, token: str, workdir) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/schema/?format=json",
        "--checks",
        ",".join(CHECKS),
        "--header",
        f"Authorization: Token {token}",
        "--max-examples",
        str(EXAMPLES),
        "--max-time",
        str(SECONDS),
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "true",
    ]
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=SECONDS + 120, check=False, env=os.environ
    )


def test_schema_tells_the_truth_to_every_role(demo_api, tmp_path):
    schemathesis = _schemathesis()
    base_url, tokens = demo_api

    # The schema itself loads with schemathesis's Python API and covers the whole API.
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {operation.path for operation in operations}
    assert len(operations) >= 40, f"only {len(operations)} operations in the schema"
    for expected in ("/api/v1/interactions/bulk/", "/api/v1/kpis/", "/api/v1/reports/{id}/pdf/", "/api/v1/users/"):
        assert expected in paths

    failures, summary = [], []
    for role in ROLES:
        run = _fuzz(base_url, tokens[role], tmp_path)
        output = run.stdout + run.stderr
        cases = re.search(r"(\d+) generated[^\n]*", output)
        summary.append(f"{role}: {cases.group(0) if cases else 'no test cases run'} (exit {run.returncode})")
        if run.returncode != 0 or not cases:
            failures.append(f"===== as {role} (exit {run.returncode}) =====\n{output[-20000:]}")
    print("\n".join(summary))
    assert not failures, "schemathesis found answers the schema does not document:\n" + "\n".join(summary + failures)


def test_schemathesis_is_pinned():
    """CI installs the version this test was written for (requirements-dev.txt)."""
    text = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^schemathesis==4\.\d+\.\d+$", text, re.M), "schemathesis is not pinned in requirements-dev.txt"


# --- the fixes the fuzzer led to, each on its own (fast, no live server) ---------------------------


@pytest.mark.parametrize("value", ["null", "abc", "0", "-5", "2.5", "1e3", "", " 5"])
def test_page_size_that_is_no_whole_number_is_a_400(ops_all, value):
    """`?page_size=null` used to answer 200 with the default page size (schema: integer)."""
    from tests.conftest import api_as

    response = api_as(ops_all).get("/api/v1/agents/", {"page_size": value})
    if value == "":
        assert response.status_code == 200  # an empty parameter is no parameter (as every filter)
        return
    assert response.status_code == 400, response.content
    assert "page_size" in response.json()


def test_page_size_in_range_and_capped(ops_all, alpha):
    from tests.conftest import api_as

    api = api_as(ops_all)
    assert api.get("/api/v1/agents/", {"page_size": "1"}).json()["results"][0]["code"] == alpha.agent.code
    assert api.get("/api/v1/agents/", {"page_size": "5000"}).status_code == 200  # capped at 1000 (API.md)


def test_token_endpoint_answers_a_json_array_with_400(db):
    """POST /api/v1/auth/token/ with `[null, null]` was a 500 (`list` has no `.get`)."""
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/auth/token/", [None, None], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.fixture
def openapi(db):
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_documents_every_error_answer(openapi):
    from django.urls import resolve

    checked = 0
    for path, operations in openapi["paths"].items():
        public = getattr(
            resolve(path.replace("{id}", "1").replace("{code}", "X").replace("{username}", "x")).func.cls,
            "public",
            False,
        )
        for method, operation in operations.items():
            expected = {"400", "401", "429"} | (set() if public else {"403", "404"})
            assert expected <= set(operation["responses"]), (method, path, sorted(operation["responses"]))
            for code in expected:
                assert "application/json" in operation["responses"][code]["content"], (method, path, code)
            checked += 1
    assert checked >= 40


def test_schema_marks_nullable_fields_and_file_types(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["Evaluation"]["properties"]["supersedes"]["nullable"] is True
    assert schemas["Interaction"]["properties"]["agent"]["nullable"] is True
    assert "nullable" not in schemas["Evaluation"]["properties"]["process"]  # a required relation stays required
    files = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv",
    }
    for fmt, content_type in files.items():
        ok = openapi["paths"][f"/api/v1/reports/{{id}}/{fmt}/"]["get"]["responses"]["200"]
        assert list(ok["content"]) == [content_type]
    bulk_400 = openapi["paths"]["/api/v1/interactions/bulk/"]["post"]["responses"]["400"]
    refs = [item["$ref"] for item in bulk_400["content"]["application/json"]["schema"]["anyOf"]]
    assert refs == ["#/components/schemas/BulkError", "#/components/schemas/ValidationError"]
    page_size = next(p for p in openapi["paths"]["/api/v1/agents/"]["get"]["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["minimum"] == 1


@pytest.mark.parametrize("path", ["/api/v1/clients/%C2%84/", "/api/v1/clients//", "/api/v1/nothing/"])
def test_an_api_url_matching_no_route_is_a_json_404(admin_user, path):
    from tests.conftest import api_as

    response = api_as(admin_user).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_matching_no_route_is_still_a_page(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
