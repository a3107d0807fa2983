"""Erlang C staffing, as `WFM.md` "Staffing requirement (Erlang C)" states it: pure functions of
numbers, no Django, no database.

Units. Times are seconds (interval T, handle time h, threshold t); traffic A is in Erlangs;
agents are whole people. The building blocks below take and return *fractions* (a service
level of 0.8884, an occupancy of 0.714, a shrinkage of 0.30); the calculator `staffing()` speaks
the API's language (`/api/v1/erlang/`): targets, shrinkage and occupancy in *percent*, and so is
its result (`Staffing`).

Edges, the same everywhere:

- No traffic (A = 0, zero contacts): nobody waits. Pw = 0, SL = 1 (100 %), ASA = 0, for any N,
  also N = 0; the requirement is 0 agents (0 scheduled). Occupancy A ÷ N is 0 for N > 0 and
  undefined (None) for N = 0.
- N ≤ A with traffic: no steady state (the queue grows without end). Pw = 1, SL = 0, ASA = None
  (infinite). Required agents are therefore always > A.
- Large traffic: the Erlang B recursion is stable in floats (each step is a number in [0, 1]),
  exact enough to thousands of agents; once B underflows to 0 it stays 0 (Pw = 0, SL = 1), so
  the cost of a search is about A + 40·√A steps, whatever the target. `staffing()` accepts up to
  MAX_TRAFFIC Erlangs.
- Bad inputs (negative, not finite, a percentage out of range, not a number) raise ValueError
  naming the input; `staffing()` raises `InputError`, a ValueError with one message per input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

DEFAULT_MAX_OCCUPANCY = 0.85  # WFM.md: the process's maximum occupancy, default 85 %
DEFAULT_SHRINKAGE = 0.30  # WFM.md: shrinkage s, default 30 %
MAX_TRAFFIC = 10_000  # Erlangs in one interval: far beyond any one queue, and still fast
MAX_AGENTS = 1_000_000  # what an occupancy cap may demand (A ÷ max occupancy) before it is a mistake
# Floats compare within this (A ÷ N = 0.85 may come out as 0.8500000000000001).
_EPSILON = 1e-12


class InputError(ValueError):
    """Inputs of the calculator refused, one message per input: `errors` is {name: message}
    (`non_field_errors` for a combination, such as too much traffic)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, not {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}.")
    return float(value)


def _at_least(name: str, value, minimum: float) -> float:
    value = _number(name, value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, not {value:g}.")
    return value


def _positive(name: str, value) -> float:
    value = _number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, not {value:g}.")
    return value


def _fraction(name: str, value, *, low_open: bool = False, high_open: bool = False) -> float:
    """A fraction in [0, 1], with either end excluded on request."""
    value = _number(name, value)
    if value < 0 or value > 1 or (low_open and value == 0) or (high_open and value == 1):
        low, high = "(0" if low_open else "[0", "1)" if high_open else "1]"
        raise ValueError(f"{name} must be a fraction in {low}, {high}, not {value:g}.")
    return value


def _exact(value) -> Fraction:
    """A float as the decimal it was written as (0.3 → 3/10), so that ⌈14 ÷ (1 − 0.3)⌉ is 20, not
    the 21 that 14 ÷ 0.7 = 20.000000000000004 would give."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def traffic(contacts, interval_seconds, aht, concurrency=1) -> float:
    """Offered traffic in Erlangs: arrival rate λ = C ÷ T, **A = λ × h**, with C contacts in an
    interval of T seconds and an average handle time of h seconds. Chat: a `concurrency` of c
    contacts handled at once divides h (h ÷ c). Computed as C × h ÷ T (one rounding fewer).

    >>> traffic(100, 1800, 180)
    10.0
    """
    contacts = _at_least("contacts", contacts, 0)
    interval_seconds = _positive("interval_seconds", interval_seconds)
    aht = _handle_time(aht, concurrency)
    return contacts * aht / interval_seconds


def _handle_time(aht, concurrency=1) -> float:
    """h ÷ c: the handle time one agent spends per contact (WFM.md "Chat")."""
    return _positive("aht", aht) / _at_least("concurrency", concurrency, 1)


def _agents(agents) -> int:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be a whole number of at least 0, not {agents!r}.")
    return agents


def erlang_b(traffic, agents) -> float:
    """Erlang B, the blocking probability of N servers, by the recursion of WFM.md:
    **B₀ = 1, Bₖ = A·Bₖ₋₁ ÷ (k + A·Bₖ₋₁)**. Stable in floats for thousands of agents; stops early
    once Bₖ underflows to 0 (every later term is 0 too)."""
    a = _at_least("traffic", traffic, 0)
    b = 1.0
    for k in range(1, _agents(agents) + 1):
        b = a * b / (k + a * b)
        if b == 0.0:
            break
    return b


def _pw(a: float, n: int, b: float) -> float:
    """Erlang C from Erlang B for n > a > 0: Pw = N·B_N ÷ (N − A·(1 − B_N))."""
    return n * b / (n - a * (1 - b))


def erlang_c(traffic, agents) -> float:
    """Erlang C, the probability that a contact waits: **Pw = N·B_N ÷ (N − A·(1 − B_N))**, with
    B_N = `erlang_b(A, N)`. A = 0 → 0 (nobody waits); N ≤ A with A > 0 → 1 (no steady state:
    everyone waits)."""
    a, n = _at_least("traffic", traffic, 0), _agents(agents)
    if a == 0:
        return 0.0
    if n <= a:
        return 1.0
    return _pw(a, n, erlang_b(a, n))


def _sl(a: float, n: int, pw: float, threshold: float, aht: float) -> float:
    return 1 - pw * math.exp(-(n - a) * threshold / aht)


def service_level(traffic, agents, threshold, aht) -> float:
    """The fraction of contacts answered within t seconds:
    **SL = 1 − Pw · e^(−(N − A)·t ÷ h)**, a fraction in [0, 1]. A = 0 → 1; N ≤ A (with A > 0) → 0.
    `aht` is h in seconds (already divided by a chat concurrency), `threshold` t in seconds."""
    a, n = _at_least("traffic", traffic, 0), _agents(agents)
    threshold = _at_least("threshold", threshold, 0)
    aht = _handle_time(aht)
    if a == 0:
        return 1.0
    if n <= a:
        return 0.0
    return _sl(a, n, _pw(a, n, erlang_b(a, n)), threshold, aht)


def asa(traffic, agents, aht) -> float | None:
    """Average speed of answer in seconds: **ASA = Pw · h ÷ (N − A)**. A = 0 → 0; N ≤ A (with
    A > 0) → None (infinite: the queue never settles)."""
    a, n = _at_least("traffic", traffic, 0), _agents(agents)
    aht = _handle_time(aht)
    if a == 0:
        return 0.0
    if n <= a:
        return None
    return _pw(a, n, erlang_b(a, n)) * aht / (n - a)


def occupancy(traffic, agents) -> float | None:
    """The fraction of the agents' time spent handling contacts: **A ÷ N**. None for N = 0
    (undefined). Above 1 when N < A, which no steady state has (see `erlang_c`)."""
    a, n = _at_least("traffic", traffic, 0), _agents(agents)
    return None if n == 0 else a / n


def required_agents(traffic, aht, target, threshold, max_occupancy=DEFAULT_MAX_OCCUPANCY) -> int:
    """**Required agents**: the smallest whole N > A whose SL within `threshold` seconds is at least
    `target` (a fraction, e.g. 0.8) and whose occupancy A ÷ N is at most `max_occupancy` (a
    fraction, default 0.85). `aht` is h in seconds (divided by any chat concurrency). A = 0 → 0.
    Both comparisons allow float rounding (1e-12). A target of 1 is refused: no finite N reaches
    SL = 100 % while anyone can wait."""
    a = _at_least("traffic", traffic, 0)
    aht = _handle_time(aht)
    target = _fraction("target", target, high_open=True)
    threshold = _at_least("threshold", threshold, 0)
    max_occupancy = _fraction("max_occupancy", max_occupancy, low_open=True)
    if a == 0:
        return 0
    if a / max_occupancy > MAX_AGENTS:
        raise ValueError(f"An occupancy of at most {max_occupancy:g} needs more than {MAX_AGENTS:,} agents.")
    # The first candidate: just above A, and no fewer than the occupancy cap allows.
    n = max(math.floor(a) + 1, math.ceil(a / max_occupancy - 1e-9))
    b = erlang_b(a, n)
    while True:
        if a / n <= max_occupancy + _EPSILON and _sl(a, n, _pw(a, n, b), threshold, aht) >= target - _EPSILON:
            return n
        n += 1
        b = a * b / (n + a * b)  # the next step of the Erlang B recursion


def with_shrinkage(agents, shrinkage=DEFAULT_SHRINKAGE) -> int:
    """The scheduled requirement with shrinkage s (the fraction of paid time not on the queue:
    breaks, training, absence; default 0.30): **⌈N ÷ (1 − s)⌉**, rounded up once, in exact
    arithmetic (14 agents at 30 % → 20)."""
    agents = _agents(agents)
    _fraction("shrinkage", shrinkage, high_open=True)
    return math.ceil(agents / (1 - _exact(shrinkage)))


def workload_hours(volume, aht, max_occupancy=DEFAULT_MAX_OCCUPANCY) -> float:
    """Email and back office (no queue to wait in): **required agent-hours = volume × h ÷ 3600 ÷
    maximum occupancy**, with h in seconds and the maximum occupancy a fraction (default 0.85).
    Zero volume → 0 hours."""
    volume = _at_least("volume", volume, 0)
    aht = _handle_time(aht)
    max_occupancy = _fraction("max_occupancy", max_occupancy, low_open=True)
    return volume * aht / 3600 / max_occupancy


@dataclass(frozen=True)
class Staffing:
    """The calculator's answer, unrounded. `traffic` in Erlangs; `agents` on the queue and
    `agents_with_shrinkage` scheduled (whole people); `service_level` in % within the threshold;
    `asa` in seconds; `occupancy` in % (None with no agents); `probability_wait` a fraction."""

    traffic: float
    agents: int
    agents_with_shrinkage: int
    service_level: float
    asa: float
    occupancy: float | None
    probability_wait: float


def _percent(name: str, value, *, low_open: bool = False, high_open: bool = False) -> float:
    """A percentage in [0, 100] (either end excluded on request) as a fraction."""
    try:
        return _fraction(name, _number(name, value) / 100, low_open=low_open, high_open=high_open)
    except ValueError:
        low, high = "(0" if low_open else "[0", "100)" if high_open else "100]"
        raise ValueError(f"{name} must be a percentage in {low}, {high}, not {value!r}.") from None


def _calculator_inputs(**given) -> dict:
    """The calculator's inputs checked, all at once: {name: value}, percentages as fractions and
    shrinkage exact, or InputError with every problem."""
    checks = {
        "contacts": lambda v: _at_least("contacts", v, 0),
        "interval_seconds": lambda v: _positive("interval_seconds", v),
        "aht": lambda v: _positive("aht", v),
        "target": lambda v: _percent("target", v, high_open=True),
        "threshold": lambda v: _at_least("threshold", v, 0),
        "shrinkage": lambda v: _exact(_percent("shrinkage", v, high_open=True) * 100) / 100,
        "max_occupancy": lambda v: _percent("max_occupancy", v, low_open=True),
        "concurrency": lambda v: _at_least("concurrency", v, 1),
    }
    checked, errors = {}, {}
    for name, value in given.items():
        try:
            checked[name] = checks[name](value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise InputError(errors)
    return checked


def staffing(
    *,
    contacts,
    interval_seconds,
    aht,
    target,
    threshold,
    shrinkage=DEFAULT_SHRINKAGE * 100,
    max_occupancy=DEFAULT_MAX_OCCUPANCY * 100,
    concurrency=1,
) -> Staffing:
    """The calculator of `/api/v1/erlang/`: `contacts` in an interval of `interval_seconds`, AHT
    `aht` seconds, a service-level `target` in % (0 ≤ target < 100) within `threshold` seconds,
    `shrinkage` in % (default 30, below 100), `max_occupancy` in % (default 85, above 0) and a chat
    `concurrency` (default 1) → the required agents with every figure that explains them, for
    N = the required agents (see `Staffing`). Zero contacts → 0 agents, SL 100 %, ASA 0,
    Pw 0, occupancy None. Bad inputs, traffic above MAX_TRAFFIC Erlangs or an occupancy cap that
    needs more than MAX_AGENTS agents: InputError."""
    given = {
        "contacts": contacts,
        "interval_seconds": interval_seconds,
        "aht": aht,
        "target": target,
        "threshold": threshold,
        "shrinkage": shrinkage,
        "max_occupancy": max_occupancy,
        "concurrency": concurrency,
    }
    inputs = _calculator_inputs(**given)
    h = inputs["aht"] / inputs["concurrency"]
    a = traffic(inputs["contacts"], inputs["interval_seconds"], inputs["aht"], inputs["concurrency"])
    if a > MAX_TRAFFIC:
        raise InputError(
            {"non_field_errors": f"The traffic is {a:,.0f} Erlangs; this calculator handles at most {MAX_TRAFFIC:,}."}
        )
    try:
        n = required_agents(a, h, inputs["target"], inputs["threshold"], inputs["max_occupancy"])
    except ValueError as exc:
        raise InputError({"non_field_errors": str(exc)}) from None
    pw = erlang_c(a, n)
    busy = occupancy(a, n)
    return Staffing(
        traffic=a,
        agents=n,
        agents_with_shrinkage=with_shrinkage(n, inputs["shrinkage"]),
        service_level=service_level(a, n, inputs["threshold"], h) * 100,
        asa=asa(a, n, h),
        occupancy=None if busy is None else busy * 100,
        probability_wait=pw,
    )
