"""The import result says which processes and local days changed (web page with links to the
process dashboard for those days, command line, bulk API), and the Imports page offers a template
CSV with exactly IMPORT_FORMAT.md's columns that imports as it is."""

import csv
import io
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from processes.imports import import_csv, import_template
from processes.models import ImportJob, Interaction
from tests.conftest import api_as
from tests.factories import ProcessFactory
from tests.kpi_helpers import csv_text, load, row
from tests.spec_lists import IMPORT_COLUMNS

pytestmark = pytest.mark.django_db


def answered(external_id, arrived_at, *, process, agent="A0001"):
    """An answered call arriving at `arrived_at` (an ISO text with offset), 5 minutes long."""
    start = datetime.fromisoformat(arrived_at)
    return row(
        external_id,
        arrived_at,
        process=process,
        agent=agent,
        answered_at=start.replace(second=10).isoformat(),
        ended_at=start.replace(minute=start.minute + 5).isoformat(),
        talk=280,
    )


def _links(page: str, testid: str) -> list[tuple[str, str]]:
    """(href, text) of the page's links marked data-testid=`testid`."""

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.open = [], None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and attrs.get("data-testid") == testid:
                self.open = [attrs["href"], ""]

        def handle_data(self, data):
            if self.open is not None:
                self.open[1] += data

        def handle_endtag(self, tag):
            if tag == "a" and self.open is not None:
                self.found.append(tuple(self.open))
                self.open = None

    parser = Links()
    parser.feed(page)
    return parser.found


def _changes(report):
    return {c["process"]: c for c in report.changes}


def test_changed_days_are_listed_per_process_as_ranges_of_local_days(alpha):
    voice, chat = alpha.process.code, alpha.process2.code  # both Asia/Kolkata
    rows = [
        answered("v1", "2026-10-01T09:00:00+05:30", process=voice),
        answered("v2", "2026-10-02T09:00:00+05:30", process=voice),
        answered("v3", "2026-10-03T09:00:00+05:30", process=voice),
        answered("v4", "2026-10-07T09:00:00+05:30", process=voice),
        # 23:30 UTC on 4 October is 5 October in Kolkata: the local day counts, not the UTC one.
        answered("c1", "2026-10-04T23:30:00+00:00", process=chat),
    ]
    report = load(rows, recompute=False)
    changes = _changes(report)
    assert list(changes) == [voice, chat] or list(changes) == sorted([voice, chat])
    assert changes[voice]["ranges"] == [["2026-10-01", "2026-10-03"], ["2026-10-07", "2026-10-07"]]
    assert (changes[voice]["rows"], changes[voice]["days"], changes[voice]["timezone"]) == (4, 4, "Asia/Kolkata")
    assert (changes[voice]["first"], changes[voice]["last"]) == ("2026-10-01", "2026-10-07")
    assert changes[chat]["ranges"] == [["2026-10-05", "2026-10-05"]] and changes[chat]["rows"] == 1
    # Two processes: the created/updated split is only given for the whole import.
    assert "created" not in changes[voice] and (report.created, report.updated) == (5, 0)


def test_a_moved_row_lists_its_old_day_too_and_one_process_gets_its_counts(alpha):
    voice = alpha.process.code
    load([answered("m1", "2026-10-01T09:00:00+05:30", process=voice)], recompute=False)
    report = load(
        [
            answered("m1", "2026-10-09T09:00:00+05:30", process=voice),
            answered("m2", "2026-10-09T10:00:00+05:30", process=voice),
        ],
        recompute=False,
    )
    change = _changes(report)[voice]
    # The row left 1 October: that day's figures change as well.
    assert change["ranges"] == [["2026-10-01", "2026-10-01"], ["2026-10-09", "2026-10-09"]]
    assert (change["created"], change["updated"], change["rows"]) == (1, 1, 2)


def test_days_whose_repeat_contacts_flip_are_listed(alpha):
    """A later contact of the same customer within the FCR window changes the earlier day's FCR."""
    voice = alpha.process.code
    first = answered("f1", "2026-10-01T09:00:00+05:30", process=voice)
    first["customer_ref"] = "CUST-9"
    load([first])
    again = answered("f2", "2026-10-03T09:00:00+05:30", process=voice)
    again["customer_ref"] = "CUST-9"
    report = load([again], recompute=False)
    assert _changes(report)[voice]["ranges"] == [["2026-10-01", "2026-10-01"], ["2026-10-03", "2026-10-03"]]


def test_upload_result_page_links_each_changed_range_to_the_process_dashboard(
    client, alpha, django_capture_on_commit_callbacks
):
    voice = alpha.process.code
    rows = [
        answered("u1", "2026-10-01T09:00:00+05:30", process=voice),
        answered("u2", "2026-10-02T09:00:00+05:30", process=voice),
        answered("u3", "2026-10-20T09:00:00+05:30", process=voice),
    ]
    client.force_login(alpha.ops)
    upload = SimpleUploadedFile("oct.csv", csv_text(rows).encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("processes:imports"), {"file": upload})
    job = ImportJob.objects.get(original_name="oct.csv")
    assert job.status == "succeeded"
    assert job.changes[0]["ranges"] == [["2026-10-01", "2026-10-02"], ["2026-10-20", "2026-10-20"]]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-changes"' in page and "Asia/Kolkata" in page
    assert "1 created" not in page and "3 created, 0 updated" in page
    links = _links(page, "changed-days")
    assert [text for _href, text in links] == ["2026-10-01 to 2026-10-02", "2026-10-20"]
    first = urlsplit(links[0][0])
    assert first.path == reverse("dashboards:process", kwargs={"code": voice})
    assert parse_qs(first.query) == {"period": ["custom"], "start": ["2026-10-01"], "end": ["2026-10-02"]}
    # The link opens the dashboard for those days.
    dashboard = client.get(links[0][0])
    assert dashboard.status_code == 200 and "01 Oct 2026" in dashboard.content.decode()
    assert (
        'href="'
        + reverse("dashboards:process", kwargs={"code": voice})
        + "?period=custom&amp;start=2026-10-01&amp;end=2026-10-20"
        in page
    )


def test_command_line_lists_the_changed_days(alpha, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text(
        csv_text(
            [
                answered("k1", "2026-11-01T09:00:00+05:30", process=alpha.process.code),
                answered("k2", "2026-11-02T09:00:00+05:30", process=alpha.process.code),
            ]
        )
    )
    call_command("import_interactions", str(path))
    out = capsys.readouterr().out
    assert "2 rows, 2 created, 0 updated" in out
    assert f"{alpha.process.code}: 2 row(s); 2 local day(s) changed (Asia/Kolkata): 2026-11-01 to 2026-11-02" in out


def test_bulk_api_answers_with_the_changed_day_ranges(alpha):
    records = [answered("b1", "2026-11-05T09:00:00+05:30", process=alpha.process.code)]
    response = api_as(alpha.ops).post("/api/v1/interactions/bulk/", records, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "days": [
            {"process": alpha.process.code, "timezone": "Asia/Kolkata", "start": "2026-11-05", "end": "2026-11-05"}
        ],
    }


# --- the template CSV ------------------------------------------------------------------------------


def _template(client, user):
    client.force_login(user)
    return client.get(reverse("processes:import_template"))


def test_template_csv_downloads_with_the_spec_columns_and_imports_as_it_is(client, alpha, bravo):
    response = _template(client, alpha.ops)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="interactions-template-{alpha.process2.code}.csv"'
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == IMPORT_COLUMNS
    assert len(rows) == 4
    # The first process (by code) alpha's ops manager may import into, never another client's.
    assert {r[1] for r in rows[1:]} == {alpha.process2.code}
    assert "BRAVO" not in text
    report = import_csv(io.BytesIO(response.content), user=alpha.ops)
    assert (report.created, report.updated) == (3, 0)
    assert Interaction.objects.filter(process=alpha.process2, external_id__startswith="EXAMPLE-").count() == 3
    # And again: the same rows update in place (the template is idempotent like any file).
    assert import_csv(io.BytesIO(response.content), user=alpha.ops).updated == 3


@pytest.mark.parametrize("channel", ["voice", "chat", "email", "backoffice"])
def test_template_imports_for_every_channel(alpha, channel):
    process = ProcessFactory(client=alpha.client, code="AAA-FIRST", channel=channel, timezone="America/New_York")
    alpha.agent.processes.add(process)
    now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # yesterday in New York: 8 March, the day of the DST change
    text, chosen, has_agent = import_template(alpha.ops, now=now)
    assert chosen == process and has_agent
    assert "2026-03-08T09:00:00-04:00" in text  # yesterday local, with that day's offset (EDT)
    report = import_csv(io.BytesIO(text.encode()), user=alpha.ops)
    assert report.created == 3 and _changes(report)["AAA-FIRST"]["ranges"] == [["2026-03-08", "2026-03-08"]]


def test_template_without_an_agent_names_placeholders_and_the_page_says_so(client, alpha):
    alpha.agent.processes.clear()
    response = _template(client, alpha.ops)
    assert "YOUR-AGENT-CODE" in response.content.decode()
    page = client.get(reverse("processes:imports")).content.decode()
    assert 'href="/processes/imports/template.csv"' in page
    assert 'replace <span class="code">YOUR-AGENT-CODE</span>' in page


@pytest.mark.parametrize("who", ["client_user", "agent_user", "team_leader", "qa"])
def test_template_is_only_for_those_who_may_import(client, alpha, who):
    assert _template(client, getattr(alpha, who)).status_code == 403


def test_template_download_needs_a_login(client, alpha):
    response = client.get(reverse("processes:import_template"))
    assert response.status_code == 302 and "login" in response["Location"]
