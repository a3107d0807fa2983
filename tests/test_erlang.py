"""Erlang C staffing (workforce.erlang) against WFM.md's worked examples, published Erlang C
tables, a second implementation from the textbook formula in exact arithmetic, properties of the
search, and the edges. Pure functions: no database."""

import math
from fractions import Fraction

import pytest

from workforce import erlang


def textbook_pw(a, n: int) -> Fraction:
    """Erlang C written independently, from the textbook closed form in exact fractions:
    Pw = (Aᴺ/N! · N/(N−A)) ÷ (Σ_{k<N} Aᵏ/k! + Aᴺ/N! · N/(N−A))."""
    a = Fraction(a)
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


# --- WFM.md worked examples, to the digits stated ------------------------------------------------


def test_c1_hundred_contacts_in_thirty_minutes_needs_fourteen_agents():
    a = erlang.traffic(100, 1800, 180)
    assert a == 10
    assert erlang.required_agents(a, 180, 0.80, 20) == 14
    assert round(erlang.erlang_c(a, 14), 4) == 0.1741
    assert round(erlang.service_level(a, 14, 20, 180) * 100, 2) == 88.84
    assert round(erlang.asa(a, 14, 180), 2) == 7.84
    assert round(erlang.occupancy(a, 14) * 100, 1) == 71.4
    assert round(erlang.service_level(a, 13, 20, 180) * 100, 2) == 79.56


def test_c1s_thirty_percent_shrinkage_schedules_twenty():
    assert erlang.with_shrinkage(14, 0.30) == 20  # 14 ÷ 0.7 is 20.000000000000004 in floats
    result = erlang.staffing(contacts=100, interval_seconds=1800, aht=180, target=80, threshold=20, shrinkage=30)
    assert (result.agents, result.agents_with_shrinkage) == (14, 20)


def test_c2_three_hundred_sixty_contacts_with_fifty_five_agents():
    a = erlang.traffic(360, 1800, 240)
    assert a == 48
    assert round(erlang.erlang_c(a, 55), 4) == 0.2387
    assert round(erlang.asa(a, 55, 240), 2) == 8.18
    assert round(erlang.service_level(a, 55, 15, 240) * 100, 2) == 84.59


def test_the_calculator_answers_c1_with_every_figure():
    result = erlang.staffing(contacts=100, interval_seconds=1800, aht=180, target=80, threshold=20)
    assert result.traffic == 10 and result.agents == 14 and result.agents_with_shrinkage == 20
    assert round(result.probability_wait, 4) == 0.1741
    assert round(result.service_level, 2) == 88.84
    assert round(result.asa, 2) == 7.84
    assert round(result.occupancy, 1) == 71.4
    with pytest.raises(AttributeError):
        result.agents = 13  # frozen


# --- published Erlang C tables, checked by the exact textbook formula too ------------------------

# (A, N, Pw to 4 digits) of standard Erlang C tables; no printed table is at hand here, so each
# row is also derived exactly by textbook_pw in the same test, which is what vouches for it.
PUBLISHED = [
    (1, 2, 0.3333),
    (2, 3, 0.4444),
    (5, 6, 0.5875),
    (5, 7, 0.3241),
    (10, 11, 0.6821),
    (10, 12, 0.4494),
    (10, 13, 0.2853),
    (10, 14, 0.1741),
]


@pytest.mark.parametrize("a,n,pw", PUBLISHED)
def test_erlang_c_matches_published_tables_and_the_textbook_formula(a, n, pw):
    assert round(erlang.erlang_c(a, n), 4) == pw
    assert erlang.erlang_c(a, n) == pytest.approx(float(textbook_pw(a, n)), rel=1e-12)


@pytest.mark.parametrize("a,n", [(0.5, 1), (7.25, 9), (48, 55), (99.9, 105), (250, 270)])
def test_erlang_c_agrees_with_the_textbook_formula_in_exact_arithmetic(a, n):
    assert erlang.erlang_c(a, n) == pytest.approx(float(textbook_pw(Fraction(str(a)), n)), rel=1e-10)


def test_erlang_b_recursion_starts_at_one_and_follows_its_step():
    assert erlang.erlang_b(3, 0) == 1
    assert erlang.erlang_b(3, 1) == pytest.approx(3 / 4)
    assert erlang.erlang_b(3, 2) == pytest.approx(3 * 0.75 / (2 + 3 * 0.75))


# --- the search for the requirement --------------------------------------------------------------


@pytest.mark.parametrize(
    "a,h,target,t", [(10, 180, 0.8, 20), (48, 240, 0.9, 15), (0.3, 300, 0.95, 30), (250, 60, 0.8, 10)]
)
def test_service_level_rises_with_every_agent_and_the_requirement_is_the_smallest(a, h, target, t):
    levels = [erlang.service_level(a, n, t, h) for n in range(math.floor(a) + 1, math.floor(a) + 40)]
    assert all(x < y for x, y in zip(levels, levels[1:], strict=False) if y < 1)
    n = erlang.required_agents(a, h, target, t, max_occupancy=1)
    assert erlang.service_level(a, n, t, h) >= target
    assert n - 1 <= a or erlang.service_level(a, n - 1, t, h) < target


def test_the_occupancy_cap_binds_when_the_service_level_is_easy():
    # 10 Erlangs, target 10 % within 60 s: 11 agents would meet the SL, but A ÷ N ≤ 85 % needs 12.
    assert erlang.required_agents(10, 180, 0.10, 60, max_occupancy=1) == 11
    assert erlang.required_agents(10, 180, 0.10, 60) == 12
    assert erlang.occupancy(10, 12) <= 0.85 < erlang.occupancy(10, 11)


def test_an_occupancy_exactly_at_the_cap_is_allowed():
    assert erlang.required_agents(8.5, 180, 0.0, 20, max_occupancy=0.85) == 10


def test_shrinkage_rounds_up_once():
    assert erlang.with_shrinkage(14, 0.30) == 20
    assert erlang.with_shrinkage(15, 0.30) == 22  # 21.43 → 22
    assert erlang.with_shrinkage(7, 0) == 7
    assert erlang.with_shrinkage(0, 0.30) == 0


def test_chat_concurrency_divides_the_handle_time():
    alone = erlang.staffing(contacts=100, interval_seconds=1800, aht=360, target=80, threshold=20, concurrency=2)
    assert alone.traffic == 10 and alone.agents == 14


def test_workload_rule_for_email_and_back_office():
    # 120 e-mails of 300 s: 10 hours of handling, at most 85 % busy → 11.76 agent-hours.
    assert erlang.workload_hours(120, 300) == pytest.approx(10 / 0.85)
    assert erlang.workload_hours(120, 300, max_occupancy=1) == 10
    assert erlang.workload_hours(0, 300) == 0


def test_large_traffic_is_numerically_stable():
    a = erlang.traffic(10_000, 1800, 180)
    assert a == 1000
    n = erlang.required_agents(a, 180, 0.80, 20, max_occupancy=1)
    assert 1000 < n < 1040
    assert 0 < erlang.erlang_c(a, n) < 1
    assert erlang.service_level(a, n, 20, 180) >= 0.80 > erlang.service_level(a, n - 1, 20, 180)
    assert erlang.erlang_c(1000, 1030) == pytest.approx(float(textbook_pw(1000, 1030)), rel=1e-9)


# --- edges -----------------------------------------------------------------------------------------


def test_zero_contacts_need_no_agents_and_nobody_waits():
    result = erlang.staffing(contacts=0, interval_seconds=1800, aht=180, target=80, threshold=20)
    assert result == erlang.Staffing(
        traffic=0, agents=0, agents_with_shrinkage=0, service_level=100, asa=0, occupancy=None, probability_wait=0
    )
    assert erlang.erlang_c(0, 0) == 0 and erlang.service_level(0, 3, 20, 180) == 1 and erlang.asa(0, 0, 180) == 0
    assert erlang.occupancy(0, 0) is None and erlang.occupancy(0, 4) == 0


@pytest.mark.parametrize("n", [0, 5, 10])
def test_no_more_agents_than_traffic_is_no_steady_state(n):
    assert erlang.erlang_c(10, n) == 1
    assert erlang.service_level(10, n, 20, 180) == 0
    assert erlang.asa(10, n, 180) is None


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: erlang.traffic(-1, 1800, 180), "contacts"),
        (lambda: erlang.traffic(10, 0, 180), "interval_seconds"),
        (lambda: erlang.traffic(10, 1800, 0), "aht"),
        (lambda: erlang.traffic(10, 1800, 180, concurrency=0.5), "concurrency"),
        (lambda: erlang.traffic(float("nan"), 1800, 180), "contacts"),
        (lambda: erlang.traffic("10", 1800, 180), "contacts"),
        (lambda: erlang.erlang_c(10, 2.5), "agents"),
        (lambda: erlang.erlang_c(10, -1), "agents"),
        (lambda: erlang.required_agents(10, 180, 1.0, 20), "target"),
        (lambda: erlang.required_agents(10, 180, 0.8, -1), "threshold"),
        (lambda: erlang.required_agents(10, 180, 0.8, 20, max_occupancy=0), "max_occupancy"),
        (lambda: erlang.with_shrinkage(14, 1.0), "shrinkage"),
        (lambda: erlang.workload_hours(-5, 300), "volume"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_the_calculator_names_every_bad_input_at_once():
    with pytest.raises(erlang.InputError) as caught:
        erlang.staffing(contacts=-1, interval_seconds=0, aht=180, target=100, threshold=20, shrinkage=100)
    assert set(caught.value.errors) == {"contacts", "interval_seconds", "target", "shrinkage"}
    assert "percentage" in caught.value.errors["target"]


def test_the_calculator_refuses_traffic_beyond_its_limit():
    with pytest.raises(erlang.InputError) as caught:
        erlang.staffing(contacts=10**9, interval_seconds=1800, aht=180, target=80, threshold=20)
    assert list(caught.value.errors) == ["non_field_errors"]
