"""Black-box check of GET /api/v1/kpis/ against an independent oracle written from the specs only
(KPIS.md, IMPORT_FORMAT.md, API.md), on seeded random data.

The oracle (`Oracle` below) is pure Python: it takes interaction records as they appear in the CSV
(dicts of strings) and the per-process settings, and computes every KPI field of the kpis
endpoint for any grouping (process and local day, process, agent, team, month, total, date range).
The data exercise the tricky cases: DST zones (Europe/London, America/New_York, America/Santiago
whose clocks change at local midnight, Australia/Lord_Howe whose clocks move by 30 minutes),
Asia/Kolkata, timestamps written with many offsets for the same instants, local midnights, repeat
contacts exactly at the FCR window boundary and one second over, equal arrival times, short
abandons at the threshold and one second under, outbound work, back-office turnaround at the
target and one second over, CSAT 1..5 and empty, every `sl_formula`, non-default settings, blank
and case-different customer refs, the same external_id in several processes, re-imported rows
that move to another day, quoted CSV fields, BOM and CRLF, and several agents and teams.

Paths: one import + `compute_kpis` (full recompute), two imports each followed by the marked
recomputation (as the on-commit task does) plus an idempotent re-import, and a change of every
process's settings through the API. Readings of KPIS.md the oracle makes: "fcr_window_days" is
elapsed time (N x 24 h, also across a DST change); any interaction of the customer that is not a
short abandon is a repeat (outbound, unanswered ones too); CSAT counts every response (outbound
too); channels (the row's, or else the process's) as "Channels: which figures apply" says: queue
figures from voice, chat and email contacts, `received` from inbound back-office items, TAT
compliance over email and back-office items. This check found that the portal counted every
handled, ended interaction in TAT compliance (fixed; `test_tat_compliance_counts_back_office_items_only`
holds it).
The portal rounds its figures (e.g. 33.33): figures are compared to within 0.005.
"""

import bisect
import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from processes.imports import import_csv
from processes.models import Process
from reporting import engine
from tests.conftest import api_as
from tests.factories import AgentFactory, ClientFactory, ProcessFactory, TeamFactory
from tests.spec_lists import IMPORT_COLUMNS, KPI_COUNTS, KPI_RATES

pytestmark = pytest.mark.django_db

# --- the oracle (from KPIS.md / IMPORT_FORMAT.md / API.md only) ------------------------------------


COLUMNS, COUNT_FIELDS, RATE_FIELDS = IMPORT_COLUMNS, KPI_COUNTS, KPI_RATES
TOLERANCE = 0.005 + 1e-7  # the portal shows two decimals
SKIP = object()  # a figure the spec does not define for this group (service level over mixed formulas)


@dataclass(frozen=True)
class Settings:
    """Per-process settings, with the defaults of KPIS.md."""

    timezone: str
    channel: str = "voice"
    sl_threshold_seconds: int = 20
    short_abandon_seconds: int = 5
    fcr_window_days: int = 7
    sl_formula: str = "standard"
    tat_hours: int = 24


def _instant(value: str):
    return datetime.fromisoformat(value) if value else None


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"true", "1"}


@dataclass
class Fact:
    """What the oracle knows about one interaction (the last imported version of its row)."""

    process: str
    day: date
    agent: str | None
    team: str | None
    formula: str
    inbound: bool  # an inbound queue contact (voice, chat, email)
    received: bool  # an inbound back-office item
    short: bool
    abandoned: bool
    answered: bool
    answered_within: bool
    abandoned_within: bool
    handled: bool
    handle_seconds: int
    wait_seconds: float
    fcr_eligible: bool
    fcr_resolved: bool
    csat: int | None
    tat_item: bool
    tat_ok: bool


def _pct(num, den):
    return None if den == 0 else 100.0 * num / den


def _mean(total, n):
    return None if n == 0 else total / n


def kpi_figures(facts: list[Fact]) -> dict:
    """Every figure of the kpis endpoint over one group of interactions (KPIS.md)."""
    inbound = [f for f in facts if f.inbound]
    answered = [f for f in inbound if f.answered]
    abandoned = [f for f in inbound if f.abandoned]
    handled = [f for f in facts if f.handled]
    within = sum(f.answered_within for f in answered)
    ab_within = sum(f.abandoned_within for f in abandoned)
    formulas = {f.formula for f in facts}
    if len(formulas) > 1:
        service_level = SKIP
    else:
        formula = formulas.pop() if formulas else "standard"
        if formula == "standard":
            service_level = _pct(within, len(answered) + len(abandoned))
        elif formula == "exclude_early_abandons":
            service_level = _pct(within, len(answered) + len(abandoned) - ab_within)
        elif formula == "early_abandons_count_good":
            service_level = _pct(within + ab_within, len(answered) + len(abandoned))
        else:  # pragma: no cover
            raise AssertionError(formula)
    eligible = [f for f in facts if f.fcr_eligible]
    responses = [f.csat for f in facts if f.csat is not None]
    tat_items = [f for f in facts if f.tat_item]
    return {
        "offered": len(inbound),
        "received": sum(f.received for f in facts),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandoned": sum(f.short for f in inbound),
        "handled": len(handled),
        "aht": _mean(sum(f.handle_seconds for f in handled), len(handled)),
        "asa": _mean(sum(f.wait_seconds for f in answered), len(answered)),
        "abandon_rate": _pct(len(abandoned), len(answered) + len(abandoned)),
        "service_level": service_level,
        "fcr": _pct(sum(f.fcr_resolved for f in eligible), len(eligible)),
        "csat": _pct(sum(score >= 4 for score in responses), len(responses)),
        "csat_mean": _mean(sum(responses), len(responses)),
        "qa_score": None,  # no evaluations in these data
        "tat_compliance": _pct(sum(f.tat_ok for f in tat_items), len(tat_items)),
    }


class Oracle:
    """KPIs from raw CSV records. `records` may hold several versions of a row (re-imports): the
    last one of each (process, external_id) counts. `teams` maps agent code to team code (or None),
    `clients` process code to client code."""

    def __init__(self, records: list[dict], settings: dict[str, Settings], teams: dict[str, str | None], clients=None):
        self.clients = clients or {}
        latest = {}
        for record in records:
            latest[(record["process"], record["external_id"])] = record
        rows = list(latest.values())
        parsed = []
        for r in rows:
            s = settings[r["process"]]
            arrived, answered_at, ended = _instant(r["arrived_at"]), _instant(r["answered_at"]), _instant(r["ended_at"])
            assert arrived.tzinfo is not None
            abandoned_flag = _truthy(r["abandoned"])
            duration = (ended - arrived).total_seconds() if ended else None
            short = abandoned_flag and duration < s.short_abandon_seconds
            parsed.append((r, s, arrived, answered_at, ended, abandoned_flag, duration, short))

        # FCR, repeat-contact method: arrivals of every non-short-abandon by (process, customer_ref)
        arrivals = defaultdict(list)
        for r, _s, arrived, *_rest, short in parsed:
            if r["customer_ref"] and not short:
                arrivals[(r["process"], r["customer_ref"])].append(arrived)
        for values in arrivals.values():
            values.sort()

        self.facts: list[Fact] = []
        for r, s, arrived, answered_at, ended, abandoned_flag, duration, short in parsed:
            channel = r["channel"] or s.channel
            any_inbound = (r["direction"] or "inbound") == "inbound"
            inbound = any_inbound and channel in ("voice", "chat", "email")
            handled = answered_at is not None
            answered = inbound and handled
            wait = (answered_at - arrived).total_seconds() if handled else 0.0
            not_short_abandon = inbound and abandoned_flag and not short
            eligible = handled and any_inbound and bool(r["customer_ref"])
            resolved = False
            if eligible:
                same = arrivals[(r["process"], r["customer_ref"])]
                window_end = arrived + timedelta(days=s.fcr_window_days)
                # any j with arrived < j <= arrived + window?
                after = bisect.bisect_right(same, arrived)
                resolved = not (after < len(same) and same[after] <= window_end)
            tat_item = channel in ("email", "backoffice") and handled and ended is not None
            agent = r["agent"] or None
            self.facts.append(
                Fact(
                    process=r["process"],
                    day=arrived.astimezone(ZoneInfo(s.timezone)).date(),
                    agent=agent,
                    team=teams.get(agent) if agent else None,
                    formula=s.sl_formula,
                    inbound=inbound,
                    received=any_inbound and channel == "backoffice",
                    short=inbound and short,
                    abandoned=not_short_abandon,
                    answered=answered,
                    answered_within=answered and wait <= s.sl_threshold_seconds,
                    abandoned_within=not_short_abandon and duration <= s.sl_threshold_seconds,
                    handled=handled,
                    handle_seconds=sum(int(r[k] or 0) for k in ("talk_seconds", "hold_seconds", "wrap_seconds")),
                    wait_seconds=wait,
                    fcr_eligible=eligible,
                    fcr_resolved=eligible and resolved,
                    csat=int(r["csat"]) if r["csat"] else None,
                    tat_item=tat_item,
                    tat_ok=tat_item and (ended - arrived).total_seconds() <= s.tat_hours * 3600,
                )
            )

    def group(self, group_by: str, *, processes=None, start: date | None = None, end: date | None = None) -> dict:
        """{group key: figures} as API.md keys them (`day` YYYY-MM-DD, `month` YYYY-MM, codes)."""
        keyers = {
            "day": lambda f: f.day.isoformat(),
            "week": lambda f: (f.day - timedelta(days=f.day.weekday())).isoformat(),
            "month": lambda f: f.day.strftime("%Y-%m"),
            "process": lambda f: f.process,
            "agent": lambda f: f.agent,
            "team": lambda f: f.team,
            "client": lambda f: self.clients.get(f.process),
            "total": lambda f: "total",
        }
        groups = defaultdict(list)
        for fact in self.facts:
            if processes is not None and fact.process not in processes:
                continue
            if (start and fact.day < start) or (end and fact.day > end):
                continue
            groups[keyers[group_by](fact)].append(fact)
        return {key: kpi_figures(facts) for key, facts in groups.items()}

    def days(self, process: str) -> list[date]:
        return sorted({f.day for f in self.facts if f.process == process})


# --- comparing with the portal ------------------------------------------------------------------


def _differs(expected, got) -> bool:
    if expected is None or got is None:
        return expected is not got
    if isinstance(expected, int) and not isinstance(expected, bool) and isinstance(got, int):
        return expected != got
    return abs(float(expected) - float(got)) > TOLERANCE


def _empty(result: dict) -> bool:
    return all(result.get(name) in (0, None) for name in COUNT_FIELDS) and all(
        result.get(name) is None for name in RATE_FIELDS
    )


def compare(expected: dict, results: list[dict], group_by: str, context: str, *, fields=None) -> list[str]:
    """Mismatches, one line each: where (context, group), field, expected, got. `fields` limits the
    figures compared."""
    fields = fields or COUNT_FIELDS + RATE_FIELDS
    problems = []
    got = {}
    for result in results:
        key = "total" if group_by == "total" else result.get(group_by)
        if key in got:
            problems.append(f"{context} {group_by}={key}: returned twice")
        got[key] = result
    for key in sorted(expected.keys() | got.keys(), key=lambda k: "" if k is None else str(k)):
        where = f"{context} {group_by}={key}"
        if key not in got:
            problems.append(f"{where}: missing from the response (expected {expected[key]})")
            continue
        if key not in expected:
            if not _empty(got[key]):
                problems.append(f"{where}: unexpected group (no interactions) {got[key]}")
            continue
        result = got[key]
        if not result.get("computed_at"):
            problems.append(f"{where} field=computed_at: expected a timestamp, got {result.get('computed_at')!r}")
        for name in fields:
            want = expected[key][name]
            if want is SKIP:
                continue
            if name not in result:
                problems.append(f"{where} field={name}: missing")
            elif _differs(want, result[name]):
                problems.append(f"{where} field={name}: expected {want!r}, got {result[name]!r}")
    return problems


def kpis(client, params: list[tuple]) -> list[dict]:
    response = client.get(f"/api/v1/kpis/?{urlencode([*params, ('page_size', 1000)])}")
    assert response.status_code == 200, (params, response.status_code, response.content[:500])
    body = response.json()
    assert body.get("next") is None, f"more than one page for {params}"
    return body["results"]


def check_against_oracle(
    client, oracle: Oracle, codes: list[str], *, start: date, end: date, rng, fields=None
) -> list[str]:
    """Query the endpoint with every grouping; every mismatch with the oracle."""
    problems = []
    span = [("start", start.isoformat()), ("end", end.isoformat())]

    def check(group_by, params, context, **filters):
        return compare(
            oracle.group(group_by, **filters),
            kpis(client, [*params, ("group_by", group_by)]),
            group_by,
            context,
            fields=fields,
        )

    for code in codes:
        for group_by in ("day", "week", "month", "agent", "team"):
            problems += check(
                group_by, [("process", code), *span], f"process={code}", processes={code}, start=start, end=end
            )
        # date ranges, some of one day, among the days with data (the DST days among them)
        days = oracle.days(code)
        for _ in range(4):
            first, last = sorted(rng.sample(days, 2))
            if rng.random() < 0.3:
                last = first
            problems += check(
                "total",
                [("process", code), ("start", first), ("end", last)],
                f"process={code} range={first}..{last}",
                processes={code},
                start=first,
                end=last,
            )
    every = [("process", code) for code in codes]
    context = f"processes={'+'.join(codes)} range={start}..{end}"
    for group_by in ("process", "client", "agent", "team", "total"):
        problems += check(group_by, [*every, *span], context, processes=set(codes), start=start, end=end)
    return problems


def assert_no_problems(problems: list[str], phase: str):
    if problems:
        shown = "\n".join(problems[:60])
        more = f"\n... and {len(problems) - 60} more" if len(problems) > 60 else ""
        pytest.fail(f"{phase}: {len(problems)} mismatch(es) with the oracle:\n{shown}{more}", pytrace=False)


# --- the world: clients, processes (non-default settings), teams, agents --------------------------

PROCESSES = {
    # all defaults (Europe/London, 20 s, 5 s, 7 days, standard, 24 h)
    "OR-LON": {"client": "ORC-EU", "settings": Settings("Europe/London")},
    "OR-NYC": {
        "client": "ORC-EU",
        "settings": Settings(
            "America/New_York",
            channel="chat",
            sl_threshold_seconds=30,
            short_abandon_seconds=10,
            fcr_window_days=3,
            sl_formula="exclude_early_abandons",
        ),
    },
    "OR-KOL": {
        "client": "ORC-IN",
        "settings": Settings(
            "Asia/Kolkata",
            sl_threshold_seconds=15,
            short_abandon_seconds=3,
            fcr_window_days=1,
            sl_formula="early_abandons_count_good",
        ),
    },
    # clocks change at local midnight; back office; no short abandons at all (0 s)
    "OR-SCL": {
        "client": "ORC-IN",
        "settings": Settings(
            "America/Santiago",
            channel="backoffice",
            sl_threshold_seconds=3600,
            short_abandon_seconds=0,
            fcr_window_days=14,
            tat_hours=48,
        ),
    },
    # 30-minute DST shift; email with some back-office items
    "OR-LHI": {
        "client": "ORC-IN",
        "settings": Settings(
            "Australia/Lord_Howe",
            channel="email",
            sl_threshold_seconds=120,
            short_abandon_seconds=5,
            fcr_window_days=2,
            sl_formula="exclude_early_abandons",
            tat_hours=8,
        ),
    },
}
SETTINGS = {code: spec["settings"] for code, spec in PROCESSES.items()}
AGENTS = {  # code: (team, processes)
    "OA01": ("T-OR1", ["OR-LON", "OR-NYC", "OR-KOL"]),
    "OA02": ("T-OR1", ["OR-LON", "OR-SCL"]),
    "OA03": ("T-OR2", ["OR-NYC", "OR-KOL", "OR-LHI"]),
    "OA04": ("T-OR2", ["OR-KOL", "OR-SCL", "OR-LHI", "OR-LON"]),
    "OA05": (None, ["OR-LON", "OR-LHI", "OR-NYC"]),
    "OA06": ("T-OR1", ["OR-SCL", "OR-NYC"]),
}
TEAMS = {code: team for code, (team, _processes) in AGENTS.items()}
CLIENTS = {code: spec["client"] for code, spec in PROCESSES.items()}
STAFF = {code: [a for a, (_t, procs) in AGENTS.items() if code in procs] for code in PROCESSES}
# UTC spans with data: the spring changes (NY 03-08, London 03-29, Santiago and Lord Howe 04-05), the
# Santiago spring-forward at midnight (09-06), Lord Howe (10-04), London (10-25), NY (11-01)
SPANS = [
    (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)),
    (datetime(2026, 9, 2, tzinfo=UTC), datetime(2026, 9, 10, tzinfo=UTC)),
    (datetime(2026, 9, 30, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)),
]
RANGE = (date(2026, 2, 27), date(2026, 11, 30))


def build_world(processes=PROCESSES, agents=AGENTS):
    clients = {}
    for code, spec in processes.items():
        if spec["client"] not in clients:
            clients[spec["client"]] = ClientFactory(code=spec["client"], timezone="Europe/London")
        s = spec["settings"]
        ProcessFactory(
            client=clients[spec["client"]],
            code=code,
            channel=s.channel,
            timezone=s.timezone,
            sl_threshold_seconds=s.sl_threshold_seconds,
            short_abandon_seconds=s.short_abandon_seconds,
            fcr_window_days=s.fcr_window_days,
            sl_formula=s.sl_formula,
            tat_hours=s.tat_hours,
        )
    teams = {}
    for code, (team, procs) in agents.items():
        if team and team not in teams:
            teams[team] = TeamFactory(code=team)
        AgentFactory(code=code, team=teams.get(team), processes=list(Process.objects.filter(code__in=procs)))


# --- seeded random data -----------------------------------------------------------------------------

OFFSETS = ["Z", "+00:00", "local", "local", "-04:00", "+05:30", "+05:45", "-09:30", "+14:00", "-11:00"]


def stamp(moment: datetime, rng: random.Random, tz: ZoneInfo, timespec="seconds") -> str:
    """The same instant written with a random offset (IMPORT_FORMAT.md: ISO-8601 with offset or Z)."""
    choice = rng.choice(OFFSETS)
    if choice == "Z":
        return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
    if choice == "local":
        return moment.astimezone(tz).isoformat(timespec=timespec)
    sign = -1 if choice[0] == "-" else 1
    hours, minutes = int(choice[1:3]), int(choice[4:6])
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return moment.astimezone(offset).isoformat(timespec=timespec)


def transitions(tz: ZoneInfo) -> list[datetime]:
    """The instants (UTC) where the zone's offset changes within SPANS."""
    found = []
    for first, last in SPANS:
        t = first
        while t < last:
            step = t + timedelta(minutes=15)
            if t.astimezone(tz).utcoffset() != step.astimezone(tz).utcoffset():
                low, high = t, step
                while high - low > timedelta(seconds=1):
                    mid = low + (high - low) / 2
                    mid = mid.replace(microsecond=0)
                    if mid.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                        low = mid
                    else:
                        high = mid
                found.append(high)
            t = step
    return found


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def hot_spots(rng: random.Random, tz: ZoneInfo) -> list[datetime]:
    """DST changes, local midnights around them, and local midnights of random days."""
    spots = []
    for change in transitions(tz):
        spots.append(change)
        local_day = change.astimezone(tz).date()
        spots += [local_midnight(local_day + timedelta(days=k), tz) for k in range(-2, 3)]
    for _ in range(12):
        first, last = rng.choice(SPANS)
        day = (first + timedelta(seconds=rng.uniform(0, (last - first).total_seconds()))).date()
        spots.append(local_midnight(day, tz))
    return spots


def pick_instant(rng: random.Random, spots: list[datetime]) -> datetime:
    if rng.random() < 0.45:
        delta = rng.choice([0, -1, 1, rng.randint(-60, 60), rng.randint(-7200, 7200), rng.randint(-7200, 7200)])
        return rng.choice(spots) + timedelta(seconds=delta)
    first, last = rng.choice(SPANS)
    return first + timedelta(seconds=rng.randint(0, int((last - first).total_seconds())))


KINDS_FRONT = {  # voice / chat / email processes
    "answered": 50,
    "abandoned": 22,
    "open": 5,
    "out_answered": 10,
    "out_open": 4,
    "bo_done": 6,
    "bo_pending": 2,
    "bo_new": 1,
}
KINDS_BACK = {  # back-office processes
    "bo_done": 55,
    "bo_pending": 10,
    "bo_new": 8,
    "answered": 10,
    "abandoned": 7,
    "out_answered": 5,
    "open": 5,
}


def pick_kind(rng: random.Random, s: Settings) -> str:
    kinds = KINDS_BACK if s.channel == "backoffice" else KINDS_FRONT
    return rng.choices(list(kinds), weights=list(kinds.values()))[0]


# "c001" is another customer than "C001"; a comma and quotes need CSV quoting
CUSTOMERS = [f"C{k:03d}" for k in range(70)] + ["c001", "c002", 'ACME, Ltd "7"', "Müller-ß"]


def pick_customer(rng: random.Random) -> str:
    return "" if rng.random() < 0.2 else rng.choice(CUSTOMERS)


def make_row(rng, ext_id, code, arrived: datetime, kind: str, customer: str, *, abandon_after=None) -> dict:
    s = SETTINGS[code]
    tz = ZoneInfo(s.timezone)
    sl, short, tat = s.sl_threshold_seconds, s.short_abandon_seconds, s.tat_hours * 3600
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        external_id=ext_id,
        process=code,
        customer_ref=customer,
        arrived_at=stamp(arrived, rng, tz),
        abandoned=rng.choice(["false", "0", ""]),
        resolved=rng.choice(["", "true", "false"]),  # the agent's disposition: not used for FCR
        disposition=rng.choice(["", "sale", "escalated", "callback, later"]),
    )
    if kind.startswith("out_"):
        row["direction"] = "outbound"
        if s.channel == "backoffice":
            row["channel"] = "voice"
    else:
        row["direction"] = rng.choice(["", "inbound"])
    if kind.startswith("bo_"):
        row["channel"] = rng.choice(["", "backoffice"]) if s.channel == "backoffice" else "backoffice"
    elif s.channel == "backoffice" and not row["channel"]:
        row["channel"] = rng.choice(["email", "voice"])
    elif rng.random() < 0.2:
        row["channel"] = s.channel

    def components():
        talk, hold, wrap = rng.randint(0, 900), rng.choice([0, 0, rng.randint(0, 180)]), rng.randint(0, 120)
        for name, value in (("talk_seconds", talk), ("hold_seconds", hold), ("wrap_seconds", wrap)):
            row[name] = "" if value == 0 and rng.random() < 0.5 else str(value)
        return talk + hold + wrap

    def answer(wait):
        row["agent"] = rng.choice(STAFF[code])
        answered = arrived + timedelta(seconds=wait)
        row["answered_at"] = stamp(answered, rng, tz)
        row["csat"] = rng.choice(["", "", "", "1", "2", "3", "4", "5"])
        return answered

    if kind in ("answered", "out_answered"):
        wait = rng.choice([0, max(sl - 1, 0), sl, sl + 1, rng.randint(0, 2 * sl + 10), rng.randint(0, 600)])
        answered = answer(wait)
        row["ended_at"] = stamp(answered + timedelta(seconds=components() + rng.randint(0, 30)), rng, tz)
    elif kind == "abandoned":
        if abandon_after is None:
            abandon_after = rng.choice(
                [max(short - 1, 0), short, short + 1, 0, max(sl - 1, 0), sl, sl + 1, rng.randint(0, 300)]
            )
        row["abandoned"] = rng.choice(["true", "1"])
        row["ended_at"] = stamp(arrived + timedelta(seconds=abandon_after), rng, tz)
    elif kind == "open":
        pass
    elif kind == "out_open":
        row["ended_at"] = rng.choice(["", stamp(arrived + timedelta(seconds=rng.randint(0, 60)), rng, tz)])
    elif kind in ("bo_done", "bo_pending"):
        duration = rng.choice([tat, tat + 1, max(tat - 1, 0), rng.randint(60, 3 * tat), rng.randint(60, tat)])
        wait = rng.choice([0, sl, rng.randint(0, 4 * 3600)])
        wait = min(wait, duration)
        answer(wait)
        components()
        if kind == "bo_done":
            row["ended_at"] = stamp(arrived + timedelta(seconds=duration), rng, tz)
    elif kind == "bo_new":
        pass
    else:  # pragma: no cover
        raise AssertionError(kind)
    return row


def follow_up_offset(rng: random.Random, s: Settings, base: datetime) -> int:
    """Seconds after `base` for a repeat contact: at the FCR window's end, one second over, at the
    same instant, one second later, inside, beyond. Where the window spans a DST change, "N days"
    in elapsed time and in wall-clock time differ by the shift: then stay two hours clear of the
    boundary (that case has its own test)."""
    window = s.fcr_window_days * 86400
    tz = ZoneInfo(s.timezone)
    straddles = base.astimezone(tz).utcoffset() != (base + timedelta(seconds=window)).astimezone(tz).utcoffset()
    choice = rng.choice(["exact", "exact", "over", "over", "same", "plus1", "inside", "beyond"])
    if choice in ("exact", "over") and straddles:
        choice = rng.choice(["inside", "beyond"])
    return {
        "exact": window,
        "over": window + 1,
        "same": 0,
        "plus1": 1,
        "inside": rng.randint(1, window - 7200),
        "beyond": window + rng.randint(7200, 3 * 86400),
    }[choice]


def generate(seed: int, base_rows: int = 260) -> list[dict]:
    """Rows for every process; several rows per customer around the FCR window edges."""
    rng = random.Random(seed)
    rows = []
    for code, s in SETTINGS.items():
        tz = ZoneInfo(s.timezone)
        spots = hot_spots(rng, tz)
        numbers = iter(range(100000))  # the same external ids in every process (unique per process)
        mine = []
        for _ in range(base_rows):
            arrived = pick_instant(rng, spots)
            kind = pick_kind(rng, s)
            mine.append((arrived, make_row(rng, f"X{next(numbers):05d}", code, arrived, kind, pick_customer(rng))))
        generation = mine
        for chance in (0.45, 0.25):
            followers = []
            for arrived, row in generation:
                handled_inbound = row["answered_at"] and row["direction"] != "outbound"
                if not row["customer_ref"] or rng.random() > (chance if handled_inbound else chance / 3):
                    continue
                later = arrived + timedelta(seconds=follow_up_offset(rng, s, arrived))
                if rng.random() < 0.3:  # a short abandon or one exactly at the threshold (not short)
                    after = rng.choice([max(s.short_abandon_seconds - 1, 0), s.short_abandon_seconds])
                    new = make_row(
                        rng, f"X{next(numbers):05d}", code, later, "abandoned", row["customer_ref"], abandon_after=after
                    )
                else:
                    new = make_row(rng, f"X{next(numbers):05d}", code, later, pick_kind(rng, s), row["customer_ref"])
                followers.append((later, new))
            mine += followers
            generation = followers
        rows += [row for _arrived, row in mine]
    return rows


def csv_bytes(rows: list[dict], rng: random.Random, *, bom=False, crlf=False) -> bytes:
    columns = list(COLUMNS)
    rng.shuffle(columns)  # column order is free
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def load(rows: list[dict], user, rng, *, bom=False, crlf=False):
    """Import through the real import service, then run the KPI engine on the marks (synchronously,
    as the on-commit task would)."""
    shuffled = list(rows)
    rng.shuffle(shuffled)
    import_csv(io.BytesIO(csv_bytes(shuffled, rng, bom=bom, crlf=crlf)), user=user)
    engine.recompute_marked()


# --- tests ------------------------------------------------------------------------------------------


def _one_process_world(code: str, settings: Settings):
    build_world({code: {"client": "ORC-X", "settings": settings}}, {"OB01": ("T-ORX", [code])})
    return {code: settings}, {"OB01": "T-ORX"}


def _answered(ext, code, arrived: str, wait: float, *, customer="", csat="") -> dict:
    moment = datetime.fromisoformat(arrived)
    row = dict.fromkeys(COLUMNS, "")
    answered = moment + timedelta(seconds=wait)
    row.update(
        external_id=ext,
        process=code,
        agent="OB01",
        customer_ref=customer,
        arrived_at=arrived,
        answered_at=answered.isoformat(),
        ended_at=(answered + timedelta(seconds=60)).isoformat(),
        talk_seconds="60",
        csat=csat,
    )
    return row


def _abandoned(ext, code, arrived: str, after: float, *, customer="") -> dict:
    moment = datetime.fromisoformat(arrived)
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        external_id=ext,
        process=code,
        customer_ref=customer,
        arrived_at=arrived,
        abandoned="true",
        ended_at=(moment + timedelta(seconds=after)).isoformat(),
    )
    return row


def test_fcr_window_across_a_dst_change_is_elapsed_days(admin_user):
    """KPIS.md: j repeats i when arrived_at_i < arrived_at_j <= arrived_at_i + fcr_window_days.
    Across the clock change, 7 days after an instant is 168 hours later (not the same wall-clock
    time 7 local days later)."""
    settings, teams = _one_process_world("OR-DST", Settings("Europe/London"))
    rows = []
    # spring: i at 12:00 GMT; 168 h later is 13:00 BST
    for n, (customer, repeat) in enumerate(
        [
            ("K1", "2026-04-01T12:00:00Z"),  # exactly 168 h: a repeat
            ("K2", "2026-04-01T12:00:01Z"),  # 168 h + 1 s: not a repeat
            ("K3", "2026-04-01T11:00:01Z"),  # 12:00:01 local, 167 h + 1 s: a repeat
        ]
    ):
        rows.append(_answered(f"s{n}", "OR-DST", "2026-03-25T12:00:00Z", 5, customer=customer))
        rows.append(_answered(f"s{n}r", "OR-DST", repeat, 5, customer=customer))
    # autumn: i at 12:00 BST (11:00Z); 168 h later is 11:00 GMT
    for n, (customer, repeat) in enumerate(
        [
            ("K4", "2026-10-27T11:00:00Z"),  # exactly 168 h: a repeat
            ("K5", "2026-10-27T11:00:01Z"),  # 168 h + 1 s: not a repeat
            ("K6", "2026-10-27T12:00:00Z"),  # 12:00 local 7 local days later, 169 h: not a repeat
        ]
    ):
        rows.append(_answered(f"a{n}", "OR-DST", "2026-10-20T12:00:00+01:00", 5, customer=customer))
        rows.append(_answered(f"a{n}r", "OR-DST", repeat, 5, customer=customer))
    load(rows, admin_user, random.Random(1))
    oracle = Oracle(rows, settings, teams)
    assert oracle.group("day")["2026-03-25"]["fcr"] == pytest.approx(100 / 3)
    assert oracle.group("day")["2026-10-20"]["fcr"] == pytest.approx(200 / 3)
    problems = compare(
        oracle.group("day"),
        kpis(api_as(admin_user), [("process", "OR-DST"), ("start", "2026-03-01"), ("end", "2026-11-30")]),
        "day",
        "process=OR-DST",
    )
    assert_no_problems(problems, "FCR window across DST")


def test_fractional_seconds_at_the_thresholds(admin_user):
    """ISO-8601 timestamps with fractions of a second: 20.000001 s is over a 20 s threshold and
    4.999999 s under a 5 s short-abandon threshold."""
    settings, teams = _one_process_world("OR-FRA", Settings("Europe/London", sl_formula="early_abandons_count_good"))
    rows = [
        _answered("f1", "OR-FRA", "2026-06-01T08:00:00.250000+01:00", 20.000001),  # not within
        _answered("f2", "OR-FRA", "2026-06-01T08:01:00.999999Z", 20),  # within
        _abandoned("f3", "OR-FRA", "2026-06-01T08:02:00.5+00:00", 4.999999),  # short
        _abandoned("f4", "OR-FRA", "2026-06-01T08:03:00.000001+05:30", 5),  # not short, within
        _abandoned("f5", "OR-FRA", "2026-06-01T08:04:00-04:00", 20.5),  # not within
    ]
    load(rows, admin_user, random.Random(2))
    oracle = Oracle(rows, settings, teams)
    day = oracle.group("day")["2026-06-01"]
    assert (day["offered"], day["short_abandoned"], day["abandoned"], day["answered"]) == (5, 1, 2, 2)
    assert day["service_level"] == 50 and day["asa"] == pytest.approx(20.0000005)
    problems = compare(
        oracle.group("day"),
        kpis(api_as(admin_user), [("process", "OR-FRA"), ("start", "2026-05-31"), ("end", "2026-06-02")]),
        "day",
        "process=OR-FRA",
    )
    assert_no_problems(problems, "fractional seconds")


SEEDS = [20260308, 20261101, 7, 424242]


def test_oracle_reproduces_the_worked_example_of_kpis_md():
    """The oracle itself against the hand-computed example of KPIS.md."""
    settings = {"IN": Settings("Asia/Kolkata")}

    def rec(ext, arrived, *, answered=None, abandoned=None, handle=0, customer="", csat=""):
        moment = datetime.fromisoformat(arrived)
        row = dict.fromkeys(COLUMNS, "")
        row.update(external_id=ext, process="IN", customer_ref=customer, arrived_at=arrived, csat=csat)
        if answered is not None:
            row.update(agent="A", answered_at=(moment + timedelta(seconds=answered)).isoformat(), talk_seconds=handle)
        if abandoned is not None:
            row.update(abandoned="true", ended_at=(moment + timedelta(seconds=abandoned)).isoformat())
        return row

    oracle = Oracle(
        [
            rec("1", "2026-10-01T09:00:00+05:30", answered=12, handle=300, customer="C1", csat="5"),
            rec("2", "2026-10-01T09:01:00+05:30", answered=45, handle=420, customer="C2", csat="3"),
            rec("3", "2026-10-01T09:02:00+05:30", abandoned=3, customer="C3"),
            rec("4", "2026-10-01T09:03:00+05:30", abandoned=30, customer="C4"),
            rec("5", "2026-10-03T11:00:00+05:30", answered=8, handle=240, customer="C1"),
        ],
        settings,
        {},
    )
    day = oracle.group("day")["2026-10-01"]
    assert day["offered"] == 4 and day["short_abandoned"] == 1 and day["abandoned"] == 1
    assert day["answered"] == 2 and day["handled"] == 2
    assert (day["aht"], day["asa"]) == (360, 28.5)
    assert round(day["abandon_rate"], 2) == 33.33 and round(day["service_level"], 2) == 33.33
    assert (day["fcr"], day["csat"], day["csat_mean"]) == (50, 50, 4.0)
    assert day["tat_compliance"] is None and day["qa_score"] is None


@pytest.mark.parametrize("seed", SEEDS)
def test_kpis_match_the_oracle_after_one_import_and_a_full_recompute(seed, admin_user):
    build_world()
    rows = generate(seed)
    rng = random.Random(seed * 31)
    import_csv(io.BytesIO(csv_bytes(rows, rng)), user=admin_user)
    call_command("compute_kpis", stdout=io.StringIO())
    oracle = Oracle(rows, SETTINGS, TEAMS, CLIENTS)
    problems = check_against_oracle(api_as(admin_user), oracle, list(PROCESSES), start=RANGE[0], end=RANGE[1], rng=rng)
    assert_no_problems(problems, f"seed {seed}, {len(rows)} rows, one import + compute_kpis")


def _two_batches(rows: list[dict], rng: random.Random) -> tuple[list[dict], list[dict]]:
    """60 % of the rows, then the rest and new versions of 5 % of the first (moved up to ten days,
    another outcome, often another customer)."""
    first = [row for row in rows if rng.random() < 0.6]
    taken = {id(row) for row in first}
    second = [row for row in rows if id(row) not in taken]
    for old in rng.sample(first, len(first) // 20):
        code, s = old["process"], SETTINGS[old["process"]]
        moved = datetime.fromisoformat(old["arrived_at"]) + timedelta(seconds=rng.randint(-10 * 86400, 10 * 86400))
        customer = rng.choice([old["customer_ref"], pick_customer(rng)])
        second.append(make_row(rng, old["external_id"], code, moved, pick_kind(rng, s), customer))
    return first, second


@pytest.mark.parametrize("seed", SEEDS)
def test_kpis_match_the_oracle_after_incremental_imports(seed, admin_user):
    """Two imports, each followed by the marked recomputation: the second brings rows arriving
    before and after the first's (FCR of earlier days changes), and new versions of some earlier
    rows. Then the second file again: nothing changes."""
    build_world()
    rng = random.Random(seed * 17)
    first, second = _two_batches(generate(seed + 1), rng)
    load(first, admin_user, rng)
    load(second, admin_user, rng, bom=True, crlf=True)
    oracle = Oracle(first + second, SETTINGS, TEAMS, CLIENTS)
    client = api_as(admin_user)
    problems = check_against_oracle(client, oracle, list(PROCESSES), start=RANGE[0], end=RANGE[1], rng=rng)
    assert_no_problems(problems, f"seed {seed}, {len(first)} + {len(second)} rows, two imports, marked recompute")

    def snapshot():
        params = [*(("process", code) for code in PROCESSES), ("start", RANGE[0]), ("end", RANGE[1])]
        return [
            {k: v for k, v in result.items() if k != "computed_at"}
            for group_by in ("day", "agent")
            for result in kpis(client, [*params, ("group_by", group_by)])
        ]

    before = snapshot()
    load(second, admin_user, rng)
    assert snapshot() == before, "importing the second file again changed the figures (IMPORT_FORMAT.md: idempotent)"


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_kpis_follow_a_change_of_process_settings(seed, admin_user):
    """PATCH every process's KPI settings (time zone included) through the API: after the marked
    recomputation the figures are those of the new settings, from the same raw interactions."""
    build_world()
    rows = generate(seed + 2, base_rows=160)
    rng = random.Random(seed * 7)
    load(rows, admin_user, rng)
    client = api_as(admin_user)
    changed = {}
    for code, old in SETTINGS.items():
        new = Settings(
            rng.choice(
                ["Europe/London", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"]
            ),
            channel=old.channel,
            sl_threshold_seconds=rng.choice([0, 10, 45]),
            short_abandon_seconds=rng.choice([0, 2, 8]),
            fcr_window_days=rng.choice([1, 5, 30]),
            sl_formula=rng.choice(["standard", "exclude_early_abandons", "early_abandons_count_good"]),
            tat_hours=rng.choice([1, 12, 72]),
        )
        body = {name: getattr(new, name) for name in Settings.__dataclass_fields__ if name != "channel"}
        response = client.patch(f"/api/v1/processes/{code}/", body, format="json")
        assert response.status_code == 200, (code, response.content)
        changed[code] = new
    engine.recompute_marked()
    oracle = Oracle(rows, changed, TEAMS, CLIENTS)
    problems = check_against_oracle(client, oracle, list(PROCESSES), start=RANGE[0], end=RANGE[1], rng=rng)
    assert_no_problems(problems, f"seed {seed}, {len(rows)} rows, settings changed to {changed}")


def test_tat_compliance_counts_back_office_items_only(admin_user):
    settings, teams = _one_process_world("OR-VOX", Settings("Europe/London"))
    rows = [
        _answered("v1", "OR-VOX", "2026-06-01T09:00:00+01:00", 10),  # a call, 70 s: not a back-office item
        _answered("v2", "OR-VOX", "2026-06-02T09:00:00+01:00", 10),  # a call ...
        {
            **_answered("b2", "OR-VOX", "2026-06-02T09:00:00+01:00", 10),
            "channel": "backoffice",  # ... and a back-office item completed after 25 h
            "ended_at": "2026-06-03T10:00:00+01:00",
        },
    ]
    load(rows, admin_user, random.Random(3))
    oracle = Oracle(rows, settings, teams)
    assert oracle.group("day")["2026-06-01"]["tat_compliance"] is None
    assert oracle.group("day")["2026-06-02"]["tat_compliance"] == 0
    problems = compare(
        oracle.group("day"),
        kpis(api_as(admin_user), [("process", "OR-VOX"), ("start", "2026-06-01"), ("end", "2026-06-30")]),
        "day",
        "process=OR-VOX",
    )
    assert_no_problems(problems, "TAT compliance over back-office items only")


def test_tat_compliance_matches_the_oracle_on_random_data(admin_user):
    """TAT compliance alone, on the random data of one seed (the other tests compare it too)."""
    build_world()
    rows = generate(SEEDS[0], base_rows=120)
    rng = random.Random(5)
    load(rows, admin_user, rng)
    oracle = Oracle(rows, SETTINGS, TEAMS, CLIENTS)
    problems = []
    for code in PROCESSES:
        problems += compare(
            oracle.group("day", processes={code}),
            kpis(api_as(admin_user), [("process", code), ("start", RANGE[0]), ("end", RANGE[1])]),
            "day",
            f"process={code}",
            fields=["tat_compliance"],
        )
    assert_no_problems(problems, "TAT compliance on random data")


def test_tat_compliance_at_the_target_across_dst_changes(admin_user):
    """Back-office items: `ended_at - arrived_at <= tat_hours` in
    elapsed time, at the target and one second over, across both clock changes; items handled but
    not ended, and items ended but never handled, are not counted."""
    settings, teams = _one_process_world("OR-BOX", Settings("Europe/London", channel="backoffice"))

    def item(ext, arrived, ended, *, handled=True):
        row = _answered(ext, "OR-BOX", arrived, 600) if handled else {**dict.fromkeys(COLUMNS, ""), "external_id": ext}
        row.update(process="OR-BOX", arrived_at=arrived, ended_at=ended)
        return row

    rows = [
        item("b1", "2026-03-28T12:00:00Z", "2026-03-29T12:00:00+01:00"),  # 23 h (12:00 to 12:00 local)
        item("b2", "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"),  # 24 h exactly
        item("b3", "2026-03-28T12:00:00Z", "2026-03-29T12:00:01Z"),  # 24 h + 1 s
        item("b4", "2026-03-28T12:00:00Z", ""),  # not ended yet
        item("b5", "2026-03-28T12:30:00Z", "2026-04-30T12:00:00Z", handled=False),  # never handled
        item("b6", "2026-10-24T12:00:00+01:00", "2026-10-25T12:00:00+00:00"),  # 25 h (12:00 to 12:00 local)
        item("b7", "2026-10-24T12:00:00+01:00", "2026-10-25T11:00:00+00:00"),  # 24 h exactly
    ]
    load(rows, admin_user, random.Random(4))
    oracle = Oracle(rows, settings, teams)
    assert oracle.group("day")["2026-03-28"]["tat_compliance"] == pytest.approx(200 / 3)
    assert oracle.group("day")["2026-10-24"]["tat_compliance"] == 50
    problems = compare(
        oracle.group("day"),
        kpis(api_as(admin_user), [("process", "OR-BOX"), ("start", "2026-03-01"), ("end", "2026-10-31")]),
        "day",
        "process=OR-BOX",
    )
    assert_no_problems(problems, "TAT compliance at the target")
