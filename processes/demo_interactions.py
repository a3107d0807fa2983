"""Demo interactions: a few months of believable contact-centre history for every active process.

`demo_interaction_rows()` yields records in the import format (IMPORT_FORMAT.md), one dict of
strings per interaction, so the demo goes through the same validation as a real import. The data
is generated, not sampled from anything real, and is deterministic for a given seed and `end`.

What it simulates, per process, in the process's local time:

- volumes by channel and process (weekday pattern with a Monday peak, quiet weekends, a slow
  upward trend, the odd surge day) and an intraday arrival profile (voice and chat peak around
  10:00 and 14:00 with quiet nights; email and back office arrive mostly in business hours);
- a roster: agents work five days a week on rotating days off and shifts, with lunch breaks and
  the odd absence; an agent staffed on several processes works one of them on a given day;
- voice and chat queues: waits grow with the queue pressure of the hour (peaks, busy days), callers
  abandon when their patience runs out (including a few mis-dials, the short abandons); calls are
  routed to the longest-idle agent on shift; chat agents take two chats at a time;
- email and back office: items are picked up minutes to hours later within working hours (the
  overnight ones the next morning) and completed after 5-25 minutes of work; a few back-office
  items wait on a third party beyond the turnaround target;
- customers who come back: unresolved contacts, abandoned callers who retry and callbacks promised
  by the agent (outbound calls) reuse the customer's reference, on top of a pool of customers
  sized for a realistic share of unrelated repeats, so FCR means something;
- agents differ: a couple are clearly slower (higher AHT), one or two get poor CSAT scores;
- one SLA is being missed: ACME-VOICE is short-staffed in the current month (the month of `end`),
  so its month-to-date service level and abandon rate miss their targets while earlier months
  meet them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
import random
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from agents.models import Agent
from processes.imports import COLUMNS
from processes.models import Process

__all__ = ["COLUMNS", "demo_interaction_rows"]

# --- Volumes -------------------------------------------------------------------------------------

# Contacts on an average weekday at scale 1.0: channel base x per-process factor.
CHANNEL_BASE = {"voice": 500, "chat": 250, "email": 150, "backoffice": 120}
PROCESS_FACTOR = {
    "ACME-VOICE": 1.4,
    "ACME-CHAT": 1.4,
    "ACME-EMAIL": 1.2,
    "GLOBEX-VOICE": 1.0,
    "GLOBEX-BO": 1.0,
    "INITECH-VOICE": 0.8,
    "INITECH-CHAT": 0.8,
}
# A process with few agents gets at most this many contacts per staffed agent and weekday.
MAX_PER_AGENT = {"voice": 50, "chat": 40, "email": 30, "backoffice": 20}
# Share of the volume that is first contacts; repeats, retries and callbacks make up the rest.
NEW_SHARE = {"voice": 0.82, "chat": 0.85, "email": 0.86, "backoffice": 0.95}
# Monday .. Sunday, relative to an average weekday.
WEEKDAY_FACTOR = {
    "voice": (1.18, 1.05, 1.0, 0.98, 0.95, 0.55, 0.42),
    "chat": (1.15, 1.05, 1.0, 1.0, 0.97, 0.62, 0.5),
    "email": (1.25, 1.05, 1.0, 0.97, 0.93, 0.45, 0.38),
    "backoffice": (1.2, 1.08, 1.02, 1.0, 0.95, 0.3, 0.15),
}
# Arrivals by local hour 0..23 (relative weights).
HOURLY = {
    "voice": (
        0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.6, 1.8, 4.0, 6.8, 8.2, 7.4,
        6.0, 7.0, 7.9, 7.2, 6.2, 5.0, 3.8, 2.8, 2.0, 1.3, 0.7, 0.35,
    ),
    "chat": (
        0.4, 0.25, 0.15, 0.12, 0.12, 0.2, 0.5, 1.5, 3.5, 6.0, 7.6, 7.2,
        6.2, 6.8, 7.5, 7.0, 6.2, 5.4, 4.6, 4.2, 3.8, 3.0, 1.9, 0.9,
    ),
    "email": (
        0.9, 0.7, 0.6, 0.6, 0.7, 1.0, 1.7, 3.2, 5.6, 7.4, 7.9, 7.5,
        6.4, 6.9, 7.3, 6.9, 6.2, 5.0, 3.9, 3.1, 2.6, 2.1, 1.6, 1.2,
    ),
    "backoffice": (
        0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 2.8, 6.0, 8.5, 9.0, 8.6,
        7.0, 7.8, 8.4, 8.0, 7.0, 5.0, 2.6, 1.4, 0.9, 0.7, 0.5, 0.4,
    ),
}  # fmt: skip
SURGE_CHANCE = 0.02  # a day with an incident upstream: 25-50 % more contacts than planned

# --- Staffing and queues -------------------------------------------------------------------------

# Shifts: SHIFT_HOURS long including a 45-minute lunch, starting 06:00-15:00 for voice and chat,
# 07:00-13:00 for email, 08:00-10:00 for back office (Saturday 09:00-13:00, closed on Sunday).
# Voice and chat have one agent on nights (00:00-08:00) when at least four are at work.
SHIFT_HOURS = 9
NIGHT_SHIFT = (0, 8)
# Days off (weekday numbers) by agent, in turn: nobody is off on Monday, weekends are thin.
OFF_PATTERNS = ((5, 6), (5, 6), (5, 6), (1, 5), (2, 6), (3, 6), (4, 5), (2, 3))
ABSENCE = 0.04  # sick days and leave, per agent and day
CHAT_SLOTS = 2  # chats an agent handles at once
# Rough handle time per contact and agent slot, to split agents staffed on several processes.
HANDLE_ESTIMATE = {"voice": 350, "chat": 300, "email": 700, "backoffice": 900}

# Queue pressure: 1.0 = the planned staffing for the forecast; above = busier than planned.
PROCESS_PRESSURE = {"INITECH-VOICE": 0.88, "INITECH-CHAT": 0.92, "ACME-CHAT": 0.92}
# Short-staffed in the current month: (share of the process's agents away, extra queue pressure).
UNDERSTAFFED = {"ACME-VOICE": (0.2, 1.16)}
# Wait model: a contact queues with probability QUEUE_CHANCE x pressure^QUEUE_POWER, then waits an
# exponential time with mean unit x (threshold / unit)^0.5 x QUEUE_MEAN x pressure^MEAN_POWER (a
# looser threshold is staffed a little leaner), on top of the ring time. Independent of `scale`.
QUEUE_CHANCE, QUEUE_POWER, QUEUE_MEAN, MEAN_POWER = 0.22, 3.0, 1.0, 2.0
WAIT_UNIT = {"voice": 20.0, "chat": 60.0}
RING = {"voice": (2, 6), "chat": (3, 12)}  # seconds before the fastest possible answer
PATIENCE_MEDIAN = {"voice": 100.0, "chat": 300.0}  # seconds a caller waits before giving up
PATIENCE_SIGMA = 1.0
MISDIAL = 0.012  # callers who hang up at once: short abandons

# --- Handling and outcomes -----------------------------------------------------------------------

# (median, sigma, min, max) of talk / work seconds, before the agent's speed.
TALK = {
    "voice": (275.0, 0.3, 45, 1800),
    "chat": (540.0, 0.33, 60, 2400),
    "email": (640.0, 0.38, 180, 2400),
    "backoffice": (760.0, 0.4, 240, 3000),
}
WRAP = {"voice": (20, 60), "chat": (10, 45), "email": (0, 45), "backoffice": (0, 90)}
FCR_BASE = {"voice": 0.84, "chat": 0.81, "email": 0.8, "backoffice": 0.93}
ANONYMOUS = {"voice": 0.03, "chat": 0.06, "email": 0.0, "backoffice": 0.0}
SALE_WEIGHT = {"voice": 15, "chat": 6, "email": 0, "backoffice": 0}  # vs resolved 55, info 30
SURVEY = 0.25  # share of answered inbound voice and chat contacts with a CSAT answer
OUTBOUND_SHARE = 0.015  # proactive outbound calls per inbound call (voice), besides callbacks
# Customer pool: this many weeks of first contacts, so unrelated repeats within 7 days stay rare.
POOL_WEEKS = 10
# Days until an unresolved contact's customer comes back (0 = later the same day).
REPEAT_DAYS = tuple(range(14))
REPEAT_WEIGHTS = (18, 22, 15, 10, 8, 7, 6, 2, 2, 2, 2, 2, 2, 2)
# Email / back office: mean pickup latency (minutes) within working hours, morning backlog.
PICKUP_MINUTES = {"email": 35.0, "backoffice": 95.0}
BACKLOG_MINUTES = {"email": 50.0, "backoffice": 80.0}
PICKUP_TAIL = 0.04  # share of items that sit in the queue for hours
BACKOFFICE_LATE = 0.035  # share of back-office items stuck with a third party beyond the target

NEW, REPEAT, OUTBOUND = 0, 1, 2  # kinds of queued events


def demo_interaction_rows(
    *, end: dt.datetime, days: int = 90, seed: int = 2026, scale: float = 1.0
) -> Iterator[dict[str, str]]:
    """Yield realistic demo interactions for every active process in the database.

    Covers, in each process's time zone, the local days from (end's local date - days + 1) to
    end's local date; nothing arrives after `end`, so the last day is filled up to `end`. Rows come
    process by process (by code), in ascending `arrived_at` within a process. Every value is a
    string in the import format; timestamps carry the process's local UTC offset. `scale`
    multiplies the volumes (1.0 gives about 200,000 rows for 90 days of the demo master data).
    A process without active staffed agents gets no rows. Deterministic for given arguments and
    master data.
    """
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be an aware datetime")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not scale > 0:
        raise ValueError("scale must be positive")

    processes = list(Process.objects.filter(active=True).select_related("client").order_by("code"))
    staffed = {
        process.pk: list(Agent.objects.filter(processes=process, active=True).order_by("code").distinct())
        for process in processes
    }
    # Agents staffed on several processes split their days between them, in proportion to workload.
    workload = {process.pk: _weekday_volume(process, len(staffed[process.pk])) for process in processes}
    for process in processes:
        workload[process.pk] *= HANDLE_ESTIMATE.get(process.channel, 600)
    options: dict[str, list[tuple[int, float]]] = {}
    for process in processes:
        for agent in staffed[process.pk]:
            options.setdefault(agent.code, []).append((process.pk, workload[process.pk]))
    order = {code: number for number, code in enumerate(sorted(options))}
    for process in processes:
        agents = staffed[process.pk]
        if not agents:
            continue
        yield from _ProcessSimulation(
            process, agents, options, order, end=end, days=days, seed=seed, scale=scale
        ).rows()


def _weekday_volume(process, agent_count: int) -> float:
    channel = process.channel if process.channel in CHANNEL_BASE else "voice"
    volume = CHANNEL_BASE[channel] * PROCESS_FACTOR.get(process.code, 1.0)
    return min(volume, MAX_PER_AGENT[channel] * max(agent_count, 1))


class _ProcessSimulation:
    def __init__(self, process, agents, options, order, *, end, days, seed, scale):
        self.process = process
        self.code = process.code
        self.channel = process.channel if process.channel in CHANNEL_BASE else "voice"
        self.live = self.channel in ("voice", "chat")  # a queue that callers abandon
        self.tz = ZoneInfo(process.timezone)
        self.seed = seed
        self.rng = random.Random(f"{seed}:{process.code}")
        self.agents = agents
        self.agent_codes = [agent.code for agent in agents]
        self.options = options
        self.order = order
        self.end_ts = math.floor(end.timestamp())
        self.last_day = end.astimezone(self.tz).date()
        self.first_day = self.last_day - dt.timedelta(days=days - 1)
        self.month_start = self.last_day.replace(day=1)
        self.threshold = process.sl_threshold_seconds
        self.short = process.short_abandon_seconds
        self.tat_seconds = process.tat_hours * 3600
        self.slots = CHAT_SLOTS if self.channel == "chat" else 1
        unit = WAIT_UNIT.get(self.channel, 20.0)
        self.wait_scale = unit * (max(self.threshold, 5) / unit) ** 0.5 * QUEUE_MEAN
        self.free = [0] * (len(agents) * self.slots)  # when each agent slot is next free
        self.hourly_cum = list(itertools.accumulate(HOURLY[self.channel]))
        peak = max(HOURLY[self.channel])
        self.hour_pressure = [0.82 + 0.36 * weight / peak for weight in HOURLY[self.channel]]
        self.weekday_volume = _weekday_volume(process, len(agents)) * scale
        self.pool = max(50, int(POOL_WEEKS * 7 * self.weekday_volume * NEW_SHARE[self.channel]))
        self.client_code = process.client.code
        self._hours: dict[dt.date, list[int]] = {}
        self._rosters: dict[dt.date, list[tuple]] = {}
        self.heap: list[tuple] = []
        self.seq = itertools.count()
        self._traits()
        away_share, self.understaffed_pressure = UNDERSTAFFED.get(self.code, (0.0, 1.0))
        away_rng = random.Random(f"{seed}:{process.code}:away")
        away_count = round(away_share * len(agents))
        self.away = set(away_rng.sample(range(len(agents)), away_count)) if away_count else set()

    # --- master data -------------------------------------------------------------------------

    def _traits(self):
        """Per-agent speed (handle-time multiplier), CSAT and FCR adjustments, with outliers."""
        self.speed, self.csat_adjust, self.fcr = [], [], []
        base_fcr = FCR_BASE[self.channel]
        for code in self.agent_codes:
            trait = random.Random(f"{self.seed}:agent:{code}")
            self.speed.append(min(1.12, max(0.88, trait.gauss(1.0, 0.06))))
            self.csat_adjust.append(trait.gauss(0.0, 0.1))
            self.fcr.append(base_fcr + trait.gauss(0.0, 0.025))
        count = len(self.agent_codes)
        if count >= 3:
            slow = self.rng.sample(range(count), 2 if count >= 6 else 1)
            for index, factor in zip(slow, (1.32, 1.45)):
                self.speed[index] = factor
            others = [index for index in range(count) if index not in slow]
            poor = self.rng.sample(others, 2 if count >= 8 else 1)
            for index, adjust in zip(poor, (-0.9, -0.6)):
                self.csat_adjust[index] = adjust
            self.fcr[poor[0]] -= 0.1

    # --- calendar ----------------------------------------------------------------------------

    def hours(self, day: dt.date) -> list[int]:
        """Epoch seconds of the starts of local hours 0..23 of `day`, and of the next midnight."""
        starts = self._hours.get(day)
        if starts is None:
            starts = [
                math.floor(dt.datetime(day.year, day.month, day.day, hour, tzinfo=self.tz).timestamp())
                for hour in range(24)
            ]
            following = day + dt.timedelta(days=1)
            starts.append(
                math.floor(dt.datetime(following.year, following.month, following.day, tzinfo=self.tz).timestamp())
            )
            for index in range(1, 25):  # DST gaps: keep the list non-decreasing
                starts[index] = max(starts[index], starts[index - 1])
            self._hours[day] = starts
        return starts

    def local_day(self, ts: int) -> dt.date:
        return dt.datetime.fromtimestamp(ts, self.tz).date()

    def random_time(self, day: dt.date, rng: random.Random) -> int:
        """A moment of `day` drawn from the channel's intraday profile."""
        starts = self.hours(day)
        hour = bisect.bisect_left(self.hourly_cum, rng.random() * self.hourly_cum[-1])
        return starts[hour] + rng.randrange(max(1, starts[hour + 1] - starts[hour]))

    def shift_options(self, weekday: int) -> list[tuple[int, int]]:
        """Shifts (local start hour, end hour) an agent may work on `weekday` (0 = Monday)."""
        if self.channel == "email":
            return [(start, start + SHIFT_HOURS) for start in range(7, 14)]
        if self.channel == "backoffice":
            if weekday < 5:
                return [(start, start + SHIFT_HOURS) for start in range(8, 11)]
            return [(9, 13)] if weekday == 5 else []
        return [(start, start + SHIFT_HOURS) for start in range(6, 16)]

    def opening_hours(self, weekday: int) -> tuple[int, int] | None:
        """When email or back-office items are worked on (earliest start, latest end), if at all."""
        options = self.shift_options(weekday)
        return (min(s for s, _ in options), max(e for _, e in options)) if options else None

    def roster(self, day: dt.date) -> list[tuple]:
        """(slot, agent index, shift start, shift end, lunch start, lunch end) of agents at work.

        Who works depends only on the date (days off, absences, the process of the day for agents
        staffed on several); shifts are laid greedily over the forecast workload of the day, one
        agent on nights for voice and chat, and lunches go where they hurt least.
        """
        roster = self._rosters.get(day)
        if roster is not None:
            return roster
        weekday = day.weekday()
        options = self.shift_options(weekday)
        members = self._members(day, weekday) if options else []
        # Agents needed per hour at 80 % occupancy for the day's forecast.
        hourly = HOURLY[self.channel]
        forecast = self.weekday_volume * WEEKDAY_FACTOR[self.channel][weekday]
        per_hour = forecast * HANDLE_ESTIMATE[self.channel] / 3600 / 0.8 / sum(hourly)
        need = [weight * per_hour for weight in hourly]
        cover = [0.0] * 24
        shifts = self._shifts(len(members), options, need, cover)
        starts = self.hours(day)
        roster = []
        for (_, index), (start_hour, end_hour) in zip(members, shifts):
            lunch = lunch_end = 0
            if end_hour - start_hour >= 6:
                hour = max(range(start_hour + 3, start_hour + 6), key=lambda h: (cover[h] - need[h], -h))
                cover[hour] -= 0.75
                lunch = starts[hour] + 900 * ((index + weekday) % 2)
                lunch_end = lunch + 2700
            for slot in range(self.slots):
                roster.append(
                    (index * self.slots + slot, index, starts[start_hour], starts[end_hour], lunch, lunch_end)
                )
        if len(self._rosters) > 40:
            self._rosters.clear()
        self._rosters[day] = roster
        return roster

    def _members(self, day: dt.date, weekday: int) -> list[tuple[float, int]]:
        """(random order key, agent index) of the agents at work on `day`, sorted: not on a day
        off, not away this month, not absent, and on this process today."""
        members = []
        for index, agent in enumerate(self.agents):
            if weekday in OFF_PATTERNS[self.order[agent.code] % len(OFF_PATTERNS)]:
                continue
            if index in self.away and day >= self.month_start:
                continue
            daily = random.Random(f"{self.seed}:{agent.code}:{day.isoformat()}")
            if daily.random() < ABSENCE:
                continue
            choices = self.options[agent.code]
            if len(choices) > 1:
                pks, weights = zip(*choices)
                if daily.choices(pks, weights)[0] != self.process.pk:
                    continue
            members.append((daily.random(), index))
        members.sort()
        return members

    def _shifts(self, count: int, options, need: list[float], cover: list[float]) -> list[tuple[int, int]]:
        """`count` shifts laid greedily over the hourly `need` (adding to `cover`): each the
        option that covers the most uncovered need, one agent on nights for live work."""
        shifts = []
        for number in range(count):
            if number == 0 and self.live and count >= 4:
                best = NIGHT_SHIFT
            else:
                best, best_gain = options[0], -1.0
                for offset in range(len(options)):
                    start, finish = options[(number + offset) % len(options)]
                    gain = sum(min(1.0, max(0.0, need[hour] - cover[hour])) for hour in range(start, finish))
                    if gain > best_gain + 1e-9:
                        best, best_gain = (start, finish), gain
            shifts.append(best)
            for hour in range(*best):
                cover[hour] += 1.0
        return shifts

    def pick(self, ts: int, roster: list[tuple]) -> tuple[int, int]:
        """(slot, agent index) for work starting at `ts`.

        The longest-idle agent slot on shift; else an idle agent just before or after their shift
        or back early from lunch; else the agent on shift who is free soonest; else anyone rostered,
        or anyone staffed on the process when nobody is rostered.
        """
        best = best_key = None
        for slot, index, start, finish, lunch, lunch_end in roster:
            free = self.free[slot]
            idle = free <= ts
            if start <= ts < finish and not lunch <= ts < lunch_end:
                tier = 0 if idle else 2
            elif start - 3600 <= ts < finish + 5400:
                tier = 1 if idle else 3
            else:
                tier = 4
            key = (tier, free)
            if best_key is None or key < best_key:
                best, best_key = (slot, index), key
        if best is None:
            best = min(
                ((index * self.slots, index) for index in range(len(self.agents))), key=lambda c: self.free[c[0]]
            )
        return best

    def day_pressure(self, day: dt.date, ratio: float) -> float:
        pressure = PROCESS_PRESSURE.get(self.code, 1.0) * ratio**0.7 * self.rng.gauss(1.0, 0.035)
        if day.weekday() == 0:
            pressure *= 1.04
        if day >= self.month_start:
            pressure *= self.understaffed_pressure
        return pressure

    # --- generation --------------------------------------------------------------------------

    def rows(self) -> Iterator[dict[str, str]]:
        total_days = (self.last_day - self.first_day).days + 1
        for number in range(total_days):
            day = self.first_day + dt.timedelta(days=number)
            starts = self.hours(day)
            day_end = starts[24]
            if starts[0] > self.end_ts:
                break
            pressure = self._arrivals(day, number, total_days, starts)
            roster = self.roster(day)
            out: list[tuple] = []
            heap = self.heap
            while heap and heap[0][0] < day_end:
                ts, seq, kind, customer, preferred = heapq.heappop(heap)
                if ts > self.end_ts:
                    continue
                if kind == OUTBOUND:
                    self.outbound(ts, seq, customer, preferred, roster, day_end, out)
                elif self.live:
                    self.inbound_live(ts, seq, customer, pressure, starts, roster, out)
                else:
                    self.inbound_deferred(ts, seq, customer, pressure, out)
            out.sort()
            yield from self._day_rows(day, out)

    def _arrivals(self, day: dt.date, number: int, total_days: int, starts: list[int]) -> float:
        """Queue the day's new contacts (and outbound calls for voice); returns the day's pressure."""
        rng = self.rng
        channel = self.channel
        trend = 1.0 + 0.06 * (number / total_days - 0.5)
        forecast = self.weekday_volume * WEEKDAY_FACTOR[channel][day.weekday()] * trend
        ratio = rng.gauss(1.0, 0.06)
        if rng.random() < SURGE_CHANCE:
            ratio *= rng.uniform(1.25, 1.5)
        ratio = max(ratio, 0.7)
        pressure = self.day_pressure(day, ratio)
        new = forecast * ratio * NEW_SHARE[channel]
        count = int(new) + (rng.random() < new % 1)
        for _ in range(count):
            self.push(self.random_time(day, rng), NEW, self.customer(), -1)
        if channel == "voice":
            outbound = forecast * ratio * OUTBOUND_SHARE
            for _ in range(int(outbound) + (rng.random() < outbound % 1)):
                self.push(rng.randrange(starts[10], starts[18]), OUTBOUND, self.customer(anonymous=0.0), -1)
        return pressure

    def _day_rows(self, day: dt.date, out: list[tuple]) -> Iterator[dict[str, str]]:
        """The CSV rows of one day's finished interactions, in arrival order."""
        channel = self.channel
        prefix = f"{self.code}-{day:%Y%m%d}-"
        iso = self.iso
        for index, (arrived, _, answered, ended, agent, direction, customer, *rest) in enumerate(out, start=1):
            talk, hold, wrap, abandoned, resolved, csat, disposition = rest
            yield {
                "external_id": f"{prefix}{index:06d}",
                "process": self.code,
                "agent": agent,
                "channel": channel,
                "direction": direction,
                "customer_ref": customer,
                "arrived_at": iso(arrived),
                "answered_at": iso(answered) if answered is not None else "",
                "ended_at": iso(ended) if ended is not None else "",
                "talk_seconds": str(talk),
                "hold_seconds": str(hold),
                "wrap_seconds": str(wrap),
                "abandoned": "true" if abandoned else "false",
                "resolved": resolved,
                "csat": csat,
                "disposition": disposition,
            }

    def iso(self, ts: int) -> str:
        return dt.datetime.fromtimestamp(ts, self.tz).isoformat()

    def push(self, ts: int, kind: int, customer: str, preferred: int) -> None:
        heapq.heappush(self.heap, (ts, next(self.seq), kind, customer, preferred))

    def customer(self, anonymous: float | None = None) -> str:
        rng = self.rng
        if rng.random() < (ANONYMOUS[self.channel] if anonymous is None else anonymous):
            return ""
        return f"{self.client_code}-C{rng.randrange(self.pool) + 1:06d}"

    def come_back(self, ts: int, customer: str) -> None:
        """Schedule the customer's next contact: later today or within the next two weeks."""
        rng = self.rng
        ahead = rng.choices(REPEAT_DAYS, REPEAT_WEIGHTS)[0]
        if ahead == 0:
            when = ts + rng.randint(1200, 5 * 3600)
        else:
            day = self.local_day(ts) + dt.timedelta(days=ahead)
            if day > self.last_day:
                return
            when = self.random_time(day, rng)
        self.push(when, REPEAT, customer, -1)

    def handling(self, index: int) -> tuple[int, int, int]:
        """(talk, hold, wrap) seconds for the agent at `index`."""
        rng = self.rng
        median, sigma, low, high = TALK[self.channel]
        speed = self.speed[index]
        talk = min(high, max(low, int(rng.lognormvariate(math.log(median), sigma) * speed)))
        hold = 0
        if self.channel == "voice" and rng.random() < 0.45:
            hold = min(60, int(rng.randint(5, 50) * speed))
        wrap_low, wrap_high = WRAP[self.channel]
        wrap = int(rng.randint(wrap_low, wrap_high) * speed)
        return talk, hold, wrap

    def outcome(self, index: int, ts: int, customer: str) -> tuple[bool, str, str]:
        """(really resolved, resolved flag, disposition) of an answered inbound contact."""
        rng = self.rng
        channel = self.channel
        solved = rng.random() < self.fcr[index]
        if channel == "backoffice":
            disposition = "completed" if solved else "rejected"
            flag = "true" if solved else "false"
        elif solved or rng.random() < 0.35:  # unresolved, though the agent believes otherwise
            disposition = rng.choices(("resolved", "info", "sale"), (55, 30, SALE_WEIGHT[channel]))[0]
            flag = "true"
        else:
            if channel == "voice":
                disposition = rng.choices(("escalated", "callback", "transferred"), (40, 35, 25))[0]
            elif channel == "chat":
                disposition = rng.choices(("escalated", "transferred", "follow-up"), (40, 30, 30))[0]
            else:
                disposition = rng.choices(("escalated", "awaiting customer"), (45, 55))[0]
            flag = "false"
        if rng.random() < 0.02:
            flag = ""  # the agent did not say
        # The customer comes back: most unresolved ones, a few resolved ones with a new question.
        if customer and disposition != "callback" and rng.random() < (0.03 if solved else 0.85):
            self.come_back(ts, customer)
        return solved, flag, disposition

    def csat(self, index: int, solved: bool, waited: int) -> str:
        """A survey answer 1..5: mostly 4-5, lower after a long wait, an unresolved issue or a poor agent."""
        rng = self.rng
        if rng.random() < (0.02 if solved else 0.2):  # an angry customer
            return rng.choice("1112")
        mood = 5.05 + self.csat_adjust[index] - (0.0 if solved else 0.9)
        if waited > 3 * max(self.threshold, 10):
            mood -= 0.5
        return str(min(5, max(1, round(rng.gauss(mood, 0.8)))))

    def inbound_live(self, ts, seq, customer, pressure, starts, roster, out):
        """A call or chat: queue, then abandon or answer."""
        rng = self.rng
        channel = self.channel
        hour = min(23, max(0, bisect.bisect_right(starts, ts) - 1))
        load = pressure * self.hour_pressure[hour]
        wait = rng.randint(*RING[channel])
        if rng.random() < min(0.95, QUEUE_CHANCE * load**QUEUE_POWER):
            wait += int(rng.expovariate(1.0 / (self.wait_scale * load**MEAN_POWER)))
        if rng.random() < MISDIAL:
            patience = rng.random() * self.short
        else:
            patience = rng.lognormvariate(math.log(PATIENCE_MEDIAN[channel]), PATIENCE_SIGMA)
        if patience < wait:
            ended = ts + int(patience)
            if ended > self.end_ts:
                return
            out.append((ts, seq, None, ended, "", "inbound", customer, 0, 0, 0, True, "", "", ""))
            if rng.random() < (0.25 if ended - ts < self.short else 0.5):
                self.push(ended + rng.randint(20, 1800), REPEAT, customer, -1)
            return
        answered = ts + wait
        slot, index = self.pick(answered, roster)
        talk, hold, wrap = self.handling(index)
        ended = answered + talk + hold
        self.free[slot] = max(self.free[slot], ended + wrap)
        if ended > self.end_ts:
            return  # still in progress at `end`: not reported yet
        solved, flag, disposition = self.outcome(index, ended, customer)
        if disposition == "callback" and customer:
            self.push(ended + rng.randint(900, 4 * 3600), OUTBOUND, customer, index)
        score = self.csat(index, solved, wait) if rng.random() < SURVEY else ""
        code = self.agent_codes[index]
        out.append(
            (ts, seq, answered, ended, code, "inbound", customer, talk, hold, wrap, False, flag, score, disposition)
        )

    def outbound(self, ts, seq, customer, preferred, roster, day_end, out):
        """An outbound call: a promised callback (by the same agent if at work) or a proactive call."""
        rng = self.rng
        choice = None
        if preferred >= 0:
            for slot, index, start, finish, *_ in roster:
                if index == preferred and start <= ts < finish:
                    choice = (slot, index)
                    break
        if choice is None:
            choice = self.pick(ts, roster)
        slot, index = choice
        dialled = max(ts, self.free[slot])
        answered = dialled + rng.randint(5, 25)
        talk, hold, wrap = self.handling(index)
        ended = answered + talk + hold
        if ended > self.end_ts or dialled >= day_end:
            return
        self.free[slot] = ended + wrap
        if preferred >= 0:
            disposition = rng.choices(("resolved", "info"), (70, 30))[0]
            flag = "true"
        else:
            disposition = rng.choices(("sale", "info"), (35, 65))[0]
            flag = ""
        code = self.agent_codes[index]
        out.append(
            (dialled, seq, answered, ended, code, "outbound", customer, talk, hold, wrap, False, flag, "", disposition)
        )

    def working(self, ts: int) -> tuple[int, bool]:
        """The first moment from `ts` within working hours, and whether it had to wait for them."""
        day = self.local_day(ts)
        for ahead in range(8):
            current = day + dt.timedelta(days=ahead)
            hours = self.opening_hours(current.weekday())
            if hours is None:
                continue
            starts = self.hours(current)
            opening, closing = starts[hours[0]], starts[hours[1]]
            if ts < closing:
                return (ts, False) if ts >= opening else (opening, True)
        return ts, False

    def inbound_deferred(self, ts, seq, customer, pressure, out):
        """An email or back-office item: picked up later in working hours, then completed."""
        rng = self.rng
        channel = self.channel
        if rng.random() < PICKUP_TAIL:
            latency = rng.expovariate(1.0 / (3 * 3600))
        else:
            latency = rng.expovariate(1.0 / (PICKUP_MINUTES[channel] * 60 * pressure))
        picked, waited = self.working(ts + int(latency))
        if waited:
            picked += int(rng.expovariate(1.0 / (BACKLOG_MINUTES[channel] * 60)))
        open_row = (ts, seq, None, None, "", "inbound", customer, 0, 0, 0, False, "", "", "")
        if picked > self.end_ts:
            out.append(open_row)
            return
        day = self.local_day(picked)
        slot, index = self.pick(picked, self.roster(day))
        talk, _, wrap = self.handling(index)
        ended = picked + talk
        if channel == "backoffice" and rng.random() < BACKOFFICE_LATE:
            ended = max(ended, self.working(ts + int(self.tat_seconds * rng.uniform(1.02, 1.5)))[0] + talk)
        self.free[slot] = max(self.free[slot], picked) + talk + wrap
        if ended > self.end_ts:
            out.append(open_row)
            return
        _, flag, disposition = self.outcome(index, ended, customer)
        code = self.agent_codes[index]
        out.append((ts, seq, picked, ended, code, "inbound", customer, talk, 0, wrap, False, flag, "", disposition))
