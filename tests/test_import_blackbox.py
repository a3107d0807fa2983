"""Black-box conformance of the interaction import against IMPORT_FORMAT.md (and ROLES.md for scope).

Every expectation here is derived from the spec only, on data of its own (two clients the other
tests do not use, DST-crossing timestamps, odd offsets, non-ASCII strings). Each case goes through
every door the spec names, with the same input:

- ``upload``: the CSV upload page, as an operations manager limited to one client;
- ``command``: ``call_command("import_interactions", PATH, "--user", …)``;
- ``stdin``: the same command with PATH ``-`` reading standard input;
- ``api``: ``POST /api/v1/interactions/bulk/``, each CSV cell sent as the same JSON string;
- ``api_typed``: the same request with JSON numbers, booleans and ``null`` for empty cells.

What each door answers is reduced to one shape (ok or not, the listed ``line N, column C: reason``
errors, anything else it said), so that the same case can be asserted the same way everywhere and
the doors compared with each other. CSV line numbers follow the spec (the header is line 1); the
spec does not say how a JSON record is numbered, so JSON line numbers are only checked to tell
records apart.

Where the spec is silent nothing is asserted: whitespace around values and header names, the case
of codes, channel and direction values, non-ASCII digits, an agent on an unanswered contact, talk
time on an abandon, timestamp spellings beyond the extended format with an offset (space instead
of T, basic format, +0530, lowercase z), CRLF line ends, quoted newlines, blank lines, the errors
of a file that is not CSV at all (ragged rows, not UTF-8, empty), and upper bounds of integers.
The four disagreements this check found are fixed and held here: a timestamp at the ends of the
calendar crashed the import, the command imported for users whose role may not import, an agent
outside the caller's scope was answered differently from an unknown one, and a second import of
the same file rewrote `imported_at`.
"""

import csv
import html
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client as WebClient
from django.test import TestCase

from accounts.models import Role
from processes.models import ImportJob, Interaction, KpiMark
from reporting import engine
from reporting.models import DailyKpi
from tests.conftest import api_as
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory, UserFactory
from tests.spec_lists import IMPORT_COLUMNS

pytestmark = pytest.mark.django_db

BULK = "/api/v1/interactions/bulk/"
UPLOAD = "/processes/imports/"

FIELDS = IMPORT_COLUMNS  # in the order of the spec's table
INT_FIELDS = {"talk_seconds", "hold_seconds", "wrap_seconds", "csat"}
BOOL_FIELDS = {"abandoned", "resolved"}
ERROR = re.compile(r"line (\d+), column ([^:]+): (.+)", re.S)
DOORS = ["upload", "command", "stdin", "api", "api_typed"]
CSV_DOORS = ["upload", "command", "stdin"]


# --- the world: two clients nobody else's tests use ------------------------------------------------


@dataclass
class World:
    ops: object  # operations manager limited to NORDLYS
    ops_all: object  # operations manager with no client assignment
    leader: object
    client_user: object


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    nordlys = ClientFactory(code="NORDLYS", name="Nordlys Energi", timezone="Europe/Oslo")
    kaimana = ClientFactory(code="KAIMANA", name="Kaimana Travel", timezone="Pacific/Honolulu")
    voice = ProcessFactory(client=nordlys, code="NRD-VOICE", name="Nordlys hotline", channel="voice")
    mail = ProcessFactory(client=nordlys, code="NRD-MAIL", name="Nordlys mailbox", channel="email")
    ProcessFactory(client=nordlys, code="NRD-BO", name="Nordlys back office", channel="backoffice")
    chat = ProcessFactory(client=kaimana, code="KAI-CHAT", name="Kaimana chat", channel="chat")
    leader = UserFactory(username="tl_fjord", role=Role.TEAM_LEADER)
    fjord = TeamFactory(code="T-FJORD", name="Fjord", leader=leader)
    surf = TeamFactory(code="T-SURF", name="Surf")
    AgentFactory(code="N-100", name="Ingrid Dahl", team=fjord, processes=[voice, mail])
    AgentFactory(code="N-200", name="Ola Berg", team=fjord, processes=[mail])
    AgentFactory(code="K-7", name="Leilani Kahale", team=surf, processes=[chat])
    ops = UserFactory(username="ops_nordlys", role=Role.OPS_MANAGER)
    ops.assigned_clients.set([nordlys])
    ops_all = UserFactory(username="ops_everyone", role=Role.OPS_MANAGER)
    client_user = UserFactory(username="nordlys_viewer", role=Role.CLIENT, client=nordlys)
    return World(ops, ops_all, leader, client_user)


# --- rows -------------------------------------------------------------------------------------------


def _record(**values) -> dict:
    """A record with every column, empty unless given."""
    return {**dict.fromkeys(FIELDS, ""), **values}


def answered(external_id="bb-case", **overrides) -> dict:
    """An answered voice call arriving 23:58 UTC, ending after Oslo's spring-forward."""
    base = {
        "process": "NRD-VOICE",
        "agent": "N-100",
        "customer_ref": "C-4411",
        "arrived_at": "2026-03-29T00:58:00+01:00",
        "answered_at": "2026-03-29T00:58:21+01:00",
        "ended_at": "2026-03-29T03:04:00+02:00",
        "talk_seconds": "3600",
        "hold_seconds": "45",
        "wrap_seconds": "20",
        "abandoned": "false",
        "csat": "4",
        "disposition": "callback",
    }
    return _record(**{**base, "external_id": external_id, **overrides})


def abandoned(external_id="bb-case", **overrides) -> dict:
    base = {"process": "NRD-VOICE", "customer_ref": "C-9", "arrived_at": "2026-04-02T08:15:00Z"}
    base.update(ended_at="2026-04-02T08:15:42Z", abandoned="true")
    return _record(**{**base, "external_id": external_id, **overrides})


def waiting(external_id="bb-case", **overrides) -> dict:
    """An email not answered yet (neither answered nor abandoned)."""
    base = {"process": "NRD-MAIL", "arrived_at": "2026-04-03T12:00:00+02:00"}
    return _record(**{**base, "external_id": external_id, **overrides})


def csv_bytes(rows: list[dict], header=None, *, bom=False, newline="\n") -> bytes:
    header = list(FIELDS if header is None else header)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def typed(name: str, value: str):
    """A CSV cell as a JSON client would naturally send it."""
    if value == "":
        return None
    if name in INT_FIELDS and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if name in BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


def json_records(rows: list[dict], header=None, *, native=False) -> list[dict]:
    header = list(FIELDS if header is None else header)
    return [
        {name: (typed(name, row.get(name, "")) if native else row.get(name, "")) for name in header} for row in rows
    ]


# --- the doors --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    door: str
    ok: bool
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # everything else it said (counts, summaries)
    raw: str = ""
    created: int | None = None
    updated: int | None = None

    def __str__(self):
        return f"{self.door}: ok={self.ok} errors={self.errors} other={self.other}"

    @property
    def described(self) -> list[tuple[str, str]]:
        """The errors without line numbers (JSON records are numbered differently from CSV lines)."""
        return [(column, reason) for _, column, reason in self.errors]


def _split(door: str, texts: list[str], raw: str, ok: bool) -> Outcome:
    outcome = Outcome(door, ok, raw=raw)
    for text in texts:
        text = text.strip()
        match = ERROR.fullmatch(text)
        if match:
            outcome.errors.append((int(match[1]), match[2], match[3]))
        elif text:
            outcome.other.append(text)
    return outcome


class Doors:
    def __init__(self, tmp_path, monkeypatch, world):
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.world = world
        self.files = 0

    def run(self, door: str, rows: list[dict], header=None, *, user=None, data: bytes | None = None) -> Outcome:
        user = user or self.world.ops
        if door in CSV_DOORS:
            payload = csv_bytes(rows, header) if data is None else data
            return getattr(self, door)(payload, user)
        return self.api(json_records(rows, header, native=door == "api_typed"), user, door)

    def upload(self, data: bytes, user) -> Outcome:
        web = WebClient()
        web.force_login(user)
        before = set(ImportJob.objects.values_list("pk", flat=True))
        crash = None
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                response = web.post(UPLOAD, {"file": SimpleUploadedFile("blackbox.csv", data, "text/csv")})
        except Exception as exc:  # the job runs on commit (a worker in production): what does the page say?
            crash = exc
        (job,) = ImportJob.objects.exclude(pk__in=before)
        job.refresh_from_db()
        response_location = f"{UPLOAD}{job.pk}/"
        if crash is None:
            assert response.status_code == 302, response.content.decode()[:2000]
            response_location = response["Location"]
        page = web.get(response_location).content.decode()
        listed = re.search(r'data-testid="import-errors"[^>]*>(.*?)</ul>', page, re.S)
        items = re.findall(r"<li[^>]*>(.*?)</li>", listed[1], re.S) if listed else []
        texts = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in items]
        heading = re.search(r'class="alert alert-danger"[^>]*>(.*?)</div>', page, re.S)
        outcome = _split("upload", texts, page, job.status == "succeeded")
        if crash is not None:
            outcome.other.append(f"the import job raised {crash!r}")
        if heading:
            outcome.other.append(html.unescape(re.sub(r"<[^>]+>", " ", heading[1].split("<ul")[0])).strip())
        assert job.status in ("succeeded", "failed"), job.status
        if outcome.ok:
            outcome.created, outcome.updated = job.created, job.updated
        return outcome

    def _command(self, door: str, args: list[str], user) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        if user is not None:
            args = [*args, "--user", user.username]
        try:
            call_command("import_interactions", *args, stdout=out, stderr=err)
            ok = True
        except CommandError as failure:
            assert failure.returncode != 0, "the command failed with exit status 0"
            ok = False
        except Exception as crash:
            pytest.fail(f"{door}: the command crashed with {crash!r} instead of listing errors")
        lines = err.getvalue().splitlines()
        texts = []
        for line in lines:
            match = ERROR.search(line)  # the stream may prefix each line with the file name
            texts.append(line[match.start() :] if match else line)
        outcome = _split(door, texts, err.getvalue() + out.getvalue(), ok)
        if ok:
            assert not outcome.errors, f"errors on stderr of a successful import: {outcome.errors}"
        return outcome

    def command(self, data: bytes, user) -> Outcome:
        self.files += 1
        path = self.tmp_path / f"blackbox-{self.files}.csv"
        path.write_bytes(data)
        return self._command("command", [str(path)], user)

    def stdin(self, data: bytes, user) -> Outcome:
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        return self._command("stdin", ["-"], user)

    def api(self, records, user, door="api") -> Outcome:
        api = api_as(user)
        api.raise_request_exception = False
        response = api.post(BULK, records, format="json")
        assert response.status_code in (200, 400), f"{door}: {response.status_code} {response.content[:300]!r}"
        body = response.json()
        if response.status_code == 200:
            outcome = Outcome(door, True, raw=str(body))
            outcome.created, outcome.updated = body.get("created"), body.get("updated")
            return outcome
        texts = []

        def walk(value):
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, int | float):
                texts.append(str(value))

        walk(body)
        outcome = _split(door, texts, str(body), False)
        # The same error may be given twice in one body (e.g. as text and as details).
        outcome.errors = list(dict.fromkeys(outcome.errors))
        return outcome


@pytest.fixture
def doors(world, tmp_path, monkeypatch) -> Doors:
    return Doors(tmp_path, monkeypatch, world)


def reset():
    """Forget what one door imported before the next door runs the same input."""
    Interaction.objects.all().delete()
    KpiMark.objects.all().delete()
    DailyKpi.objects.all().delete()


def interaction_rows(*, skip=()) -> list[tuple]:
    names = [f.attname for f in Interaction._meta.fields if f.attname not in skip]
    return sorted(Interaction.objects.values_list(*names), key=repr)


def kpi_rows() -> list[tuple]:
    names = [f.attname for f in DailyKpi._meta.fields if f.name not in ("id", "computed_at")]
    return sorted(DailyKpi.objects.values_list(*names), key=repr)


def mark_rows() -> list[tuple]:
    return sorted(KpiMark.objects.values_list("process_id", "local_date", "fcr_only"))


def database_state(*, skip=()) -> tuple:
    return interaction_rows(skip=skip), kpi_rows(), mark_rows()


# --- one row among good ones: every type and consistency rule ---------------------------------------


@dataclass
class Case:
    id: str
    row: dict
    ok: bool
    columns: tuple[str, ...] = ()  # the columns an error may name (any of them)
    stored: dict = field(default_factory=dict)  # for a valid row: what the spec says is stored


def ok(id, row, **stored):
    return Case(id, row, True, stored=stored)


def bad(id, row, *columns):
    return Case(id, row, False, columns=columns)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


CASES = [
    # required fields, empty
    bad("external_id-empty", answered(external_id=""), "external_id"),
    bad("process-empty", answered(process=""), "process"),
    bad("arrived_at-empty", waiting(arrived_at=""), "arrived_at"),
    bad("agent-empty-when-answered", answered(agent=""), "agent"),
    # integers >= 0, default 0
    *[ok(f"{name}-zero", answered(**{name: "0"}), **{name: 0}) for name in ("talk_seconds", "hold_seconds")],
    *[ok(f"{name}-empty-is-0", answered(**{name: ""}), **{name: 0}) for name in ("hold_seconds", "wrap_seconds")],
    ok("talk_seconds-a-day", answered(talk_seconds="86400"), talk_seconds=86400),
    *[
        bad(f"{name}-{label}", answered(**{name: value}), name)
        for name in ("talk_seconds", "hold_seconds", "wrap_seconds")
        for label, value in (("negative", "-1"), ("fraction", "2.5"), ("word", "ten"))
    ],
    bad("wrap_seconds-exponent", answered(wrap_seconds="1e3"), "wrap_seconds"),
    # booleans: true false 1 0 in any case, empty = false
    *[
        ok(f"abandoned-{value}", abandoned(abandoned=value), abandoned=True)
        for value in ("true", "TRUE", "True", "tRuE", "1")
    ],
    *[
        ok(f"abandoned-{value or 'empty'}", answered(abandoned=value), abandoned=False)
        for value in ("false", "FALSE", "False", "fAlSe", "0", "")
    ],
    *[bad(f"abandoned-{value}", abandoned(abandoned=value), "abandoned") for value in ("yes", "no", "t", "2", "-1")],
    ok("resolved-empty-is-unknown", answered(resolved=""), resolved=None),
    ok("resolved-TRUE", answered(resolved="TRUE"), resolved=True),
    ok("resolved-1", answered(resolved="1"), resolved=True),
    ok("resolved-False", answered(resolved="False"), resolved=False),
    ok("resolved-0", answered(resolved="0"), resolved=False),
    bad("resolved-maybe", answered(resolved="maybe"), "resolved"),
    bad("resolved-y", answered(resolved="y"), "resolved"),
    # csat 1..5, only on answered interactions
    ok("csat-1", answered(csat="1"), csat=1),
    ok("csat-5", answered(csat="5"), csat=5),
    ok("csat-empty", answered(csat=""), csat=None),
    *[bad(f"csat-{value}", answered(csat=value), "csat") for value in ("0", "6", "4.5", "-2", "five")],
    bad("csat-on-abandoned", abandoned(csat="5"), "csat", "abandoned"),
    bad("csat-on-unanswered", waiting(csat="3"), "csat", "answered_at"),
    # channel and direction
    *[
        ok(f"channel-{value}", answered(channel=value), channel=value)
        for value in ("voice", "chat", "email", "backoffice")
    ],
    ok("channel-defaults-to-the-process-email", waiting(channel=""), channel="email"),
    ok("channel-defaults-to-the-process-voice", answered(channel=""), channel="voice"),
    *[bad(f"channel-{value}", answered(channel=value), "channel") for value in ("phone", "back_office", "sms")],
    ok("direction-inbound", answered(direction="inbound"), direction="inbound"),
    ok("direction-outbound", answered(direction="outbound"), direction="outbound"),
    ok("direction-defaults-to-inbound", answered(direction=""), direction="inbound"),
    *[bad(f"direction-{value}", answered(direction=value), "direction") for value in ("in", "both", "incoming")],
    # strings of at most 100 characters (characters, not bytes)
    *[
        case
        for name in ("external_id", "customer_ref", "disposition")
        for label, char in (("ascii", "x"), ("latin", "é"), ("cjk", "日"), ("emoji", "🎧"))
        for case in (
            ok(f"{name}-100-{label}", answered(**{name: char * 100}), **{name: char * 100}),
            bad(f"{name}-101-{label}", answered(**{name: char * 101}), name),
        )
    ],
    ok(
        "disposition-with-comma-and-quote", answered(disposition='callback, "urgent"'), disposition='callback, "urgent"'
    ),
    ok("customer_ref-empty", answered(customer_ref=""), customer_ref=""),
    # timestamps: ISO-8601 with an offset or Z; naive ones are rejected
    ok("arrived_at-Z", waiting(arrived_at="2026-03-29T00:59:59Z"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    ok("arrived_at-+05:45", waiting(arrived_at="2026-03-29T06:44:59+05:45"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    ok("arrived_at--09:30", waiting(arrived_at="2026-03-28T15:29:59-09:30"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    ok("arrived_at-+14:00", waiting(arrived_at="2026-03-29T14:59:59+14:00"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    ok("arrived_at-+00:00", waiting(arrived_at="2026-03-29T00:59:59+00:00"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    # offsets that real zones use only: −12:00 (Baker Island) … +14:00 (Kiribati)
    ok("arrived_at--12:00", waiting(arrived_at="2026-03-28T12:59:59-12:00"), arrived_at=utc(2026, 3, 29, 0, 59, 59)),
    bad("arrived_at-+19:31", waiting(arrived_at="2026-12-26T23:49:10+19:31"), "arrived_at"),
    bad("arrived_at--19:31", waiting(arrived_at="2026-12-26T23:49:10-19:31"), "arrived_at"),
    bad("arrived_at--23:59", waiting(arrived_at="2026-03-28T01:00:59-23:59"), "arrived_at"),
    bad("arrived_at-+14:01", waiting(arrived_at="2026-03-29T15:00:59+14:01"), "arrived_at"),
    bad("arrived_at--12:01", waiting(arrived_at="2026-03-28T12:58:59-12:01"), "arrived_at"),
    bad("answered_at-+15:00", answered(answered_at="2026-03-29T14:58:30+15:00"), "answered_at"),
    bad("ended_at--13:00", answered(ended_at="2026-03-28T10:59:00-13:00"), "ended_at"),
    ok(
        "arrived_at-fraction",
        waiting(arrived_at="2026-03-29T02:59:59.250+02:00"),
        arrived_at=utc(2026, 3, 29, 0, 59, 59, 250000),
    ),
    bad("arrived_at-naive", waiting(arrived_at="2026-03-29T00:59:59"), "arrived_at"),
    bad("arrived_at-naive-fraction", waiting(arrived_at="2026-03-29T00:59:59.5"), "arrived_at"),
    bad("arrived_at-date-only", waiting(arrived_at="2026-03-29"), "arrived_at"),
    bad("arrived_at-not-iso", waiting(arrived_at="29/03/2026 00:59 +01:00"), "arrived_at"),
    bad("arrived_at-no-such-day", waiting(arrived_at="2026-02-30T10:00:00Z"), "arrived_at"),
    bad("arrived_at-no-such-hour", waiting(arrived_at="2026-03-29T25:10:00Z"), "arrived_at"),
    bad("arrived_at-words", waiting(arrived_at="yesterday"), "arrived_at"),
    bad("arrived_at-epoch", waiting(arrived_at="1774745999"), "arrived_at"),
    bad("answered_at-words", answered(answered_at="soon"), "answered_at"),
    bad("ended_at-words", answered(ended_at="later"), "ended_at"),
    # time order, compared as instants whatever the offsets; equal is allowed
    ok("answered-equals-arrived", answered(answered_at="2026-03-28T23:58:00Z"), wait_seconds=0.0),
    ok(
        "answered-after-arrived-earlier-clock",
        answered(answered_at="2026-03-28T19:00:30-05:00", ended_at="2026-03-28T19:30:00-05:00"),
        answered_at=utc(2026, 3, 29, 0, 0, 30),
    ),
    bad("answered-1s-before-arrived", answered(answered_at="2026-03-28T23:57:59Z"), "answered_at", "arrived_at"),
    bad(
        "answered-before-arrived-later-clock",
        answered(answered_at="2026-03-29T05:27:59+05:30"),
        "answered_at",
        "arrived_at",
    ),
    ok("ended-equals-answered", answered(ended_at="2026-03-28T23:58:21Z"), ended_at=utc(2026, 3, 28, 23, 58, 21)),
    bad("ended-before-answered", answered(ended_at="2026-03-28T23:58:20Z"), "ended_at", "answered_at"),
    ok("ended-equals-arrived-unanswered", waiting(ended_at="2026-04-03T10:00:00Z"), duration_seconds=0.0),
    bad("ended-before-arrived-unanswered", waiting(ended_at="2026-04-03T09:59:59Z"), "ended_at", "arrived_at"),
    ok("abandoned-ended-equals-arrived", abandoned(ended_at="2026-04-02T10:15:00+02:00"), duration_seconds=0.0),
    bad("abandoned-ended-before-arrived", abandoned(ended_at="2026-04-02T08:14:59Z"), "ended_at", "arrived_at"),
    # abandoned => answered_at and agent empty, ended_at set
    ok("abandoned-consistent", abandoned(), abandoned=True, answered_at=None, agent_id=None),
    bad(
        "abandoned-with-answered_at",
        abandoned(answered_at="2026-04-02T08:15:10Z"),
        "abandoned",
        "answered_at",
    ),
    bad("abandoned-with-agent", abandoned(agent="N-100"), "abandoned", "agent"),
    bad("abandoned-without-ended_at", abandoned(ended_at=""), "abandoned", "ended_at"),
    # agent: exists and is staffed on that process
    bad("agent-unknown", answered(agent="N-999"), "agent"),
    bad("agent-not-staffed-on-this-process", answered(agent="N-200"), "agent"),
    bad("agent-of-another-client", answered(agent="K-7"), "agent"),
    ok("agent-staffed-on-this-process", answered(process="NRD-MAIL", agent="N-200")),
    # process: exists and is in the caller's scope
    bad("process-unknown", answered(process="NRD-NOPE"), "process"),
    bad("process-of-another-client", waiting(process="KAI-CHAT"), "process"),
]

OK_CASES = [c for c in CASES if c.ok]
BAD_CASES = [c for c in CASES if not c.ok]


def _with_id(row: dict, external_id: str) -> dict:
    return {**row, "external_id": external_id} if row["external_id"] == "bb-case" else row


def _refused_without_writing(outcome: Outcome, before: int = 0):
    assert not outcome.ok, f"accepted: {outcome}"
    assert outcome.errors, f"no `line N, column C: reason` error listed: {outcome}"
    assert Interaction.objects.count() == before, f"{outcome.door}: a refused input changed the stored rows"


def _refused_at_every_door(doors, rows: list[dict], header=None) -> dict[str, Outcome]:
    """Run `rows` through every door: each must refuse them and write nothing."""
    outcomes = {}
    for door in DOORS:
        outcomes[door] = outcome = doors.run(door, rows, header)
        _refused_without_writing(outcome)
    return outcomes


def _by_line(outcome: Outcome) -> dict[int, list[tuple[str, str]]]:
    grouped: dict[int, list[tuple[str, str]]] = {}
    for line, column, reason in outcome.errors:
        grouped.setdefault(line, []).append((column, reason))
    return grouped


def _same_everywhere(outcomes: dict[str, Outcome]):
    """The same validation through every door: identical errors from the CSV doors, and the same
    columns and reasons, in the same order, from the JSON doors."""
    csv_errors = {door: outcomes[door].errors for door in CSV_DOORS if door in outcomes}
    assert len({repr(errors) for errors in csv_errors.values()}) <= 1, csv_errors
    described = {door: outcome.described for door, outcome in outcomes.items()}
    assert len({repr(d) for d in described.values()}) <= 1, described


# --- every valid value, one file per door ------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_every_valid_value_is_accepted_and_stored_as_the_spec_says(door, doors):
    rows = [_with_id(case.row, f"ok-{n}") for n, case in enumerate(OK_CASES)]
    outcome = doors.run(door, rows)
    assert outcome.ok, f"refused: {outcome}"
    assert Interaction.objects.count() == len(rows)
    if outcome.created is not None:
        assert (outcome.created, outcome.updated) == (len(rows), 0)
    wrong = []
    for case, row in zip(OK_CASES, rows, strict=True):
        stored = Interaction.objects.get(process__code=row["process"], external_id=row["external_id"])
        got = {name: getattr(stored, name) for name in case.stored}
        if got != case.stored:
            wrong.append(f"{case.id}: stored {got}, expected {case.stored}")
    assert not wrong, "\n".join(wrong)


# --- every invalid value: refused, named by line and column, the same through every door -----------

CHUNK = 16


CHUNKS = [BAD_CASES[start : start + CHUNK] for start in range(0, len(BAD_CASES), CHUNK)]


@pytest.mark.parametrize("chunk", [pytest.param(c, id=f"{c[0].id}..{c[-1].id}") for c in CHUNKS])
def test_every_invalid_value_is_refused_with_its_line_and_column(chunk, doors):
    """Each bad row sits between good rows: bad row k (from 0) is on CSV line 2k + 3."""
    rows = []
    for n, case in enumerate(chunk):
        rows += [answered(f"good-{n}", customer_ref=f"G{n}"), _with_id(case.row, f"bad-{n}")]
    rows.append(waiting("good-last"))
    outcomes = _refused_at_every_door(doors, rows)
    for door, outcome in outcomes.items():
        grouped = _by_line(outcome)
        if door in CSV_DOORS:
            assert set(grouped) == {2 * n + 3 for n in range(len(chunk))}, f"{door}: errors on lines {sorted(grouped)}"
            lines = [2 * n + 3 for n in range(len(chunk))]
        else:
            # JSON records are not lines: each bad record must be named apart, in order.
            assert len(grouped) == len(chunk), f"{door}: {len(chunk)} bad records, errors on lines {sorted(grouped)}"
            lines = sorted(grouped)
        wrong = []
        for case, line in zip(chunk, lines, strict=True):
            columns = {column for column, _ in grouped[line]}
            if not columns <= set(case.columns):
                wrong.append(f"{case.id}: errors name {columns}, expected one of {case.columns}: {grouped[line]}")
        assert not wrong, f"{door}:\n" + "\n".join(wrong)
    _same_everywhere(outcomes)


# --- columns ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["external_id", "process", "arrived_at"])
def test_a_required_column_missing_from_the_header_is_refused(missing, doors):
    header = [name for name in FIELDS if name != missing]
    rows = [waiting("m1"), answered("m2")]
    for door, outcome in _refused_at_every_door(doors, rows, header).items():
        assert {column for _, column, _ in outcome.errors} == {missing}, outcome
        if door in CSV_DOORS:
            assert {line for line, _, _ in outcome.errors} == {1}, f"{door}: the header is line 1: {outcome}"


def test_optional_columns_may_be_left_out_and_take_their_defaults(doors):
    header = ["external_id", "process", "arrived_at"]
    rows = [
        {"external_id": "min-voice", "process": "NRD-VOICE", "arrived_at": "2026-10-25T02:30:00+02:00"},
        {"external_id": "min-bo", "process": "NRD-BO", "arrived_at": "2026-10-25T02:30:00+01:00"},
    ]
    defaults = {
        "agent_id": None,
        "direction": "inbound",
        "customer_ref": "",
        "answered_at": None,
        "ended_at": None,
        "talk_seconds": 0,
        "hold_seconds": 0,
        "wrap_seconds": 0,
        "abandoned": False,
        "resolved": None,
        "csat": None,
        "disposition": "",
    }
    for door in DOORS:
        outcome = doors.run(door, rows, header)
        assert outcome.ok, outcome
        voice = Interaction.objects.get(external_id="min-voice")
        office = Interaction.objects.get(external_id="min-bo")
        assert (voice.channel, office.channel) == ("voice", "backoffice"), door
        assert (voice.arrived_at, office.arrived_at) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)), door
        for stored in (voice, office):
            assert {name: getattr(stored, name) for name in defaults} == defaults, door
        reset()


def _mixed_rows() -> list[dict]:
    """A realistic small file: answered, abandoned, unanswered, back office, outbound, a repeat
    customer, non-ASCII text, local times on both sides of Oslo's autumn DST change."""
    return [
        answered("mx-1", customer_ref="Kåre-01", disposition="salg ✓", resolved="true"),
        answered(
            "mx-2",
            customer_ref="Kåre-01",
            arrived_at="2026-10-25T02:59:00+02:00",
            answered_at="2026-10-25T02:01:10+01:00",
            ended_at="2026-10-25T02:20:00+01:00",
            csat="2",
            resolved="0",
        ),
        abandoned(
            "mx-3", customer_ref="Kåre-01", arrived_at="2026-10-25T02:30:00+01:00", ended_at="2026-10-25T01:31:00Z"
        ),
        waiting("mx-4", customer_ref="mail-77"),
        waiting("mx-5", process="NRD-BO", channel="", talk_seconds="900", ended_at="2026-04-04T09:00:00Z"),
        answered("mx-6", process="NRD-MAIL", agent="N-200", direction="outbound", channel="email", csat=""),
        answered("mx-7", process="NRD-MAIL", agent="N-100", hold_seconds="", wrap_seconds="0", abandoned="FALSE"),
    ]


def test_the_same_file_stores_the_same_rows_through_every_door_whatever_the_column_order(doors):
    reordered = [*reversed(FIELDS[8:]), *FIELDS[:8]]
    snapshots = {}
    for header_name, header in (("spec order", FIELDS), ("reordered", reordered)):
        for door in DOORS:
            outcome = doors.run(door, _mixed_rows(), header)
            assert outcome.ok, f"{header_name}: {outcome}"
            snapshots[f"{door}, {header_name}"] = interaction_rows(skip=("id", "imported_at"))
            reset()
    first = next(iter(snapshots.values()))
    assert len(first) == len(_mixed_rows())
    assert {name: rows == first for name, rows in snapshots.items()} == dict.fromkeys(snapshots, True)


@pytest.mark.parametrize("unknown", ["csat_score", "Disposition", "agent_code"])
def test_an_unknown_column_is_refused(unknown, doors):
    header = [*FIELDS, unknown]
    rows = [{**answered("u1"), unknown: "5"}, {**waiting("u2"), unknown: ""}]
    for door, outcome in _refused_at_every_door(doors, rows, header).items():
        assert {column for _, column, _ in outcome.errors} == {unknown}, outcome
        if door in CSV_DOORS:
            assert {line for line, _, _ in outcome.errors} == {1}, f"{door}: the header is line 1: {outcome}"


def test_an_unknown_json_key_in_one_record_is_refused(doors, world):
    records = json_records([answered("k1"), answered("k2"), waiting("k3")])
    records[1]["csat_score"] = 5
    outcome = doors.api(records, world.ops)
    _refused_without_writing(outcome)
    assert [column for _, column, _ in outcome.errors] == ["csat_score"], outcome


@pytest.mark.parametrize("door", CSV_DOORS)
def test_a_byte_order_mark_is_accepted(door, doors):
    outcome = doors.run(door, [], data=csv_bytes([answered("bom-1"), waiting("bom-2")], bom=True))
    assert outcome.ok, outcome
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == ["bom-1", "bom-2"]
    reset()
    # ... and does not shift the line numbers
    outcome = doors.run(door, [], data=csv_bytes([answered("bom-1"), answered("bom-2", csat="0")], bom=True))
    _refused_without_writing(outcome)
    assert [(line, column) for line, column, _ in outcome.errors] == [(3, "csat")], outcome


# --- files as a whole ------------------------------------------------------------------------------


def test_a_duplicate_external_id_within_one_file_is_refused(doors):
    rows = [answered("dup-1"), waiting("solo"), answered("dup-1", talk_seconds="61")]
    for door, outcome in _refused_at_every_door(doors, rows).items():
        assert {column for _, column, _ in outcome.errors} == {"external_id"}, outcome
        lines = {line for line, _, _ in outcome.errors}
        if door in CSV_DOORS:
            # the second occurrence is the error; naming the first one as well is allowed
            assert 4 in lines and lines <= {2, 4}, f"{door}: {outcome}"


def test_the_same_external_id_in_two_processes_is_two_interactions(doors):
    rows = [answered("twin"), waiting("twin"), answered("twin", process="NRD-MAIL", agent="N-200")]
    rows[1]["process"] = "NRD-BO"
    for door in DOORS:
        outcome = doors.run(door, rows)
        assert outcome.ok, outcome
        codes = sorted(Interaction.objects.values_list("process__code", flat=True))
        assert codes == ["NRD-BO", "NRD-MAIL", "NRD-VOICE"], door
        reset()


@pytest.mark.parametrize("door", DOORS)
def test_a_bad_row_in_the_middle_of_a_file_writes_nothing(door, doors, world):
    """Stored rows, their KPI figures and the recomputation marks are all left as they were, even
    though the refused file would have updated the stored rows and added new ones."""
    existing = [answered(f"old-{n}", customer_ref=f"R{n}") for n in range(4)]
    assert doors.run("api", existing).ok
    engine.recompute_marked()
    before = database_state()
    assert before[0] and before[1] and not before[2]
    rows = [answered(f"old-{n}", talk_seconds="1", csat="1") for n in range(4)]
    rows += [waiting(f"new-{n}", arrived_at=f"2026-05-{n + 1:02d}T10:00:00Z") for n in range(25)]
    rows.insert(14, answered("poison", csat="0"))  # the 15th data row: line 16
    outcome = doors.run(door, rows)
    _refused_without_writing(outcome, before=4)
    if door in CSV_DOORS:
        assert [(line, column) for line, column, _ in outcome.errors] == [(16, "csat")], outcome
    else:
        assert [column for _, column, _ in outcome.errors] == ["csat"], outcome
    engine.recompute_marked()
    assert database_state() == before


def test_every_bad_line_is_listed_with_every_error(doors):
    rows = [answered(f"ln-{n}") for n in range(12)]
    rows[0]["direction"] = "sideways"  # line 2
    rows[4]["csat"] = "9"  # line 6
    rows[4]["talk_seconds"] = "-5"  # line 6, a second error on the same row
    rows[11]["agent"] = "N-404"  # line 13
    outcomes = _refused_at_every_door(doors, rows)
    for door, outcome in outcomes.items():
        grouped = _by_line(outcome)
        columns = [sorted(column for column, _ in grouped[line]) for line in sorted(grouped)]
        assert columns == [["direction"], ["csat", "talk_seconds"], ["agent"]], f"{door}: {outcome}"
        if door in CSV_DOORS:
            assert sorted(grouped) == [2, 6, 13], f"{door}: {outcome}"
    _same_everywhere({door: Outcome(door, False, sorted(o.errors)) for door, o in outcomes.items()})


def test_at_most_100_errors_are_listed_then_a_count_of_the_rest(doors):
    rows = [answered(f"many-{n}", csat="0") for n in range(130)]
    for door, outcome in _refused_at_every_door(doors, rows).items():
        assert len(outcome.errors) == 100, f"{door}: {len(outcome.errors)} errors listed"
        assert {column for _, column, _ in outcome.errors} == {"csat"}
        lines = [line for line, _, _ in outcome.errors]
        if door in CSV_DOORS:
            assert sorted(lines) == list(range(2, 102)), f"{door}: not the first 100: {lines}"
        said = " ".join(outcome.other)
        assert re.search(r"\b(30|130)\b", said), f"{door}: no count of the other 30 errors in {outcome.other}"


# --- idempotency -----------------------------------------------------------------------------------


def _import_twice(door, doors, skip=()):
    assert doors.run(door, _mixed_rows()).ok
    engine.recompute_marked()
    once = database_state(skip=skip)
    again = doors.run(door, _mixed_rows())
    assert again.ok, again
    if again.created is not None:
        assert (again.created, again.updated) == (0, len(_mixed_rows())), again
    engine.recompute_marked()
    assert database_state(skip=skip) == once


@pytest.mark.parametrize("door", DOORS)
def test_importing_the_same_file_twice_leaves_the_database_as_after_once(door, doors):
    """Every column of every stored row (ids included), the KPI figures and the marks; all but
    `imported_at`, see the next test."""
    _import_twice(door, doors, skip=("imported_at",))


@pytest.mark.parametrize("door", ["command", "api"])
def test_importing_the_same_file_twice_leaves_even_imported_at_as_after_once(door, doors):
    _import_twice(door, doors)


@pytest.mark.parametrize("door", DOORS)
def test_a_changed_row_is_updated_in_place(door, doors):
    assert doors.run(door, _mixed_rows()).ok
    keys = dict(Interaction.objects.values_list("external_id", "pk"))
    others = [row for row in interaction_rows(skip=("imported_at",)) if row[0] != keys["mx-2"]]
    changed = _mixed_rows()
    changed[1].update(
        agent="N-100",
        arrived_at="2026-11-02T08:00:00+01:00",
        answered_at="2026-11-02T08:00:05+01:00",
        ended_at="2026-11-02T08:09:00+01:00",
        talk_seconds="500",
        csat="5",
        resolved="",
        disposition="escalated",
        direction="outbound",
    )
    outcome = doors.run(door, changed)
    assert outcome.ok, outcome
    assert dict(Interaction.objects.values_list("external_id", "pk")) == keys
    stored = Interaction.objects.get(pk=keys["mx-2"])
    assert (stored.arrived_at, stored.talk_seconds, stored.csat, stored.resolved) == (
        utc(2026, 11, 2, 7, 0),
        500,
        5,
        None,
    )
    assert (stored.disposition, stored.direction) == ("escalated", "outbound")
    assert [row for row in interaction_rows(skip=("imported_at",)) if row[0] != keys["mx-2"]] == others


# --- scope (ROLES.md) --------------------------------------------------------------------------------


def test_a_row_for_another_clients_process_is_an_error_not_a_skip(doors):
    rows = [answered("sc-1"), waiting("sc-2", process="KAI-CHAT"), waiting("sc-3")]
    foreign, unknown = {}, {}
    for door, outcome in _refused_at_every_door(doors, rows).items():
        assert [column for _, column, _ in outcome.errors] == ["process"], outcome
        if door in CSV_DOORS:
            assert [line for line, _, _ in outcome.errors] == [3], outcome
        foreign[door] = outcome.errors[0][2]
        # Whether another client's process exists must not show: the same answer as for no process.
        rows_unknown = [answered("sc-1"), waiting("sc-2", process="KAI-CHAX"), waiting("sc-3")]
        unknown[door] = doors.run(door, rows_unknown).errors[0][2]
    assert {door: reason.replace("KAI-CHAT", "…") for door, reason in foreign.items()} == {
        door: reason.replace("KAI-CHAX", "…") for door, reason in unknown.items()
    }


def test_an_agent_of_another_client_is_answered_like_an_unknown_agent(doors, world):
    assert api_as(world.ops).get("/api/v1/agents/K-7/").status_code == 404  # out of the caller's scope
    for door in DOORS:
        foreign = doors.run(door, [answered("ag-1", agent="K-7")])
        unknown = doors.run(door, [answered("ag-1", agent="K-8")])
        _refused_without_writing(foreign)
        _refused_without_writing(unknown)
        assert foreign.errors[0][2].replace("K-7", "…") == unknown.errors[0][2].replace("K-8", "…"), door


def test_an_operations_manager_for_all_clients_may_import_into_any_process(doors, world):
    rows = [answered("all-1"), waiting("all-2", process="KAI-CHAT"), answered("all-3", process="KAI-CHAT", agent="K-7")]
    for door in DOORS:
        outcome = doors.run(door, rows, user=world.ops_all)
        assert outcome.ok, outcome
        assert Interaction.objects.filter(process__code="KAI-CHAT").count() == 2
        assert Interaction.objects.get(external_id="all-2").channel == "chat"
        reset()


def test_users_who_may_not_import_are_refused_by_the_api_and_the_upload_page(world):
    records = json_records([waiting("nope")])
    assert api_as(None).post(BULK, records, format="json").status_code == 401
    for user in (world.leader, world.client_user):
        assert api_as(user).post(BULK, records, format="json").status_code == 403
        web = WebClient()
        web.force_login(user)
        upload = SimpleUploadedFile("x.csv", csv_bytes([waiting("nope")]), "text/csv")
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert web.post(UPLOAD, {"file": upload}).status_code == 403
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize("role", ["team_leader", "client", "agent", "qa_analyst"])
def test_the_command_as_a_user_who_may_not_import_refuses_every_row(role, world, doors):
    from agents.models import Agent
    from processes.models import Process

    if role == "team_leader":
        user = world.leader  # leads the team of N-100, who works on NRD-VOICE
    elif role == "client":
        user = world.client_user  # a user of NORDLYS
    elif role == "agent":
        user = UserFactory(username="ingrid", role=Role.AGENT)
        Agent.objects.filter(code="N-100").update(user=user)
    else:
        user = UserFactory(username="qa_nordlys", role=Role.QA_ANALYST)
        user.assigned_processes.set(Process.objects.filter(code="NRD-VOICE"))
    for door in ("command", "stdin"):
        outcome = doors.run(door, [waiting("nope", process="NRD-VOICE")], user=user)
        _refused_without_writing(outcome)
        assert [(line, column) for line, column, _ in outcome.errors] == [(2, "process")]


# --- the bulk API's limits ---------------------------------------------------------------------------


def test_the_bulk_api_takes_up_to_10000_records_and_refuses_more(world):
    records = json_records(
        [waiting(f"big-{n}", arrived_at=f"2026-06-{n % 28 + 1:02d}T09:00:00Z") for n in range(10_001)]
    )
    api = api_as(world.ops)
    response = api.post(BULK, records, format="json")
    assert response.status_code == 400, response.status_code
    assert Interaction.objects.count() == 0
    response = api.post(BULK, records[:10_000], format="json")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["created"], body["updated"]) == (10_000, 0)  # API.md: fields may be added
    assert Interaction.objects.count() == 10_000


@pytest.mark.parametrize("body", [{"external_id": "x"}, "external_id,process", 7], ids=["object", "string", "number"])
def test_the_bulk_api_wants_a_json_array(body, world):
    response = api_as(world.ops).post(BULK, body, format="json")
    assert response.status_code == 400
    assert Interaction.objects.count() == 0


# --- the command line as a process sees it -----------------------------------------------------------


def _manage(monkeypatch, capsys, *argv, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run `manage.py import_interactions …` the way the shell does (argv, exit status), in-process
    on the test database."""
    from django.core.management import ManagementUtility

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    capsys.readouterr()
    try:
        ManagementUtility(["manage.py", "import_interactions", *argv]).execute()
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_exits_non_zero_with_the_errors_on_stderr(world, tmp_path, monkeypatch, capsys):
    bad = csv_bytes([waiting("cl-1"), answered("cl-2", ended_at="2026-03-28T23:00:00Z")])
    status, out, err = _manage(monkeypatch, capsys, "--user", "ops_nordlys", "-", stdin=bad)
    assert status != 0
    assert re.search(r"line 3, column (ended_at|answered_at): \S", err), err
    assert "line 3" not in out
    assert Interaction.objects.count() == 0

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([waiting("cl-1"), answered("cl-2")]))
    status, out, err = _manage(monkeypatch, capsys, "--user", "ops_nordlys", str(good))
    assert (status, err) == (0, "")
    assert Interaction.objects.count() == 2


def test_the_command_refuses_a_bad_file_among_several(world, tmp_path, monkeypatch, capsys):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(csv_bytes([waiting("f-1")]))
    second.write_bytes(csv_bytes([waiting("s-1"), waiting("s-2", arrived_at="2026-04-03T12:00:00")]))
    status, out, err = _manage(monkeypatch, capsys, str(first), str(second))
    assert status != 0
    assert re.search(r"line 3, column arrived_at: \S", err), err
    assert not Interaction.objects.filter(external_id__in=["s-1", "s-2"]).exists()


# --- valid timestamps at the edge of the calendar --------------------------------------------------

EDGE_TIMESTAMPS = {
    "9999-12-31-late-in-utc": "9999-12-31T23:30:00Z",  # already 10000-01-01 in Oslo
    "0001-01-01-east-of-utc": "0001-01-01T00:30:00+01:00",  # still year 0 in UTC
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("stamp", EDGE_TIMESTAMPS.values(), ids=EDGE_TIMESTAMPS.keys())
def test_a_valid_timestamp_at_the_edge_of_the_calendar_is_answered_not_crashed(stamp, door, doors):
    outcome = doors.run(door, [waiting("edge-0"), waiting("edge-1", arrived_at=stamp)])
    if outcome.ok:
        assert Interaction.objects.count() == 2
    else:
        _refused_without_writing(outcome)
        assert [(line, column) for line, column, _ in outcome.errors] in ([(3, "arrived_at")], [(2, "arrived_at")])
