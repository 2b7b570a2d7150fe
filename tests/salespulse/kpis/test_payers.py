"""``Payers`` against the obvious oracle: one set of customers per day, unioned per window."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from salespulse.kpis.payers import Payers

BASE = 740_000  # a date ordinal (2026)

orders = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), st.integers(BASE - 5, BASE + 40)), max_size=60
)


def _oracle(paid: list[tuple[str, int]], start: int, end: int, horizon: int | None) -> int:
    return len(
        {c for c, day in paid if start <= day <= end and (horizon is None or day >= horizon)}
    )


@settings(max_examples=300, deadline=None)
@given(
    paid=orders,
    start=st.integers(BASE - 10, BASE + 45),
    length=st.integers(0, 40),
    horizon=st.none() | st.integers(BASE - 10, BASE + 45),
)
def test_count_equals_the_union_of_daily_sets(
    paid: list[tuple[str, int]], start: int, length: int, horizon: int | None
) -> None:
    payers = Payers(BASE)
    for customer, day in paid:
        payers.add(customer, day)
    if horizon is not None:
        payers.evict(horizon)
    end = start + length
    assert payers.count(start, end) == _oracle(paid, start, end, horizon)


def test_a_window_ending_before_the_newest_day_scans_the_masks() -> None:
    payers = Payers(BASE)
    payers.add("a", BASE)
    payers.add("a", BASE + 3)  # newest day of "a" is after the window below
    payers.add("b", BASE + 1)
    assert payers.count(BASE, BASE + 1) == 2
    assert payers.count(BASE + 2, BASE + 2) == 0
    assert payers.count(BASE, BASE + 3) == 2


def test_eviction_forgets_customers_who_paid_only_before_the_horizon() -> None:
    payers = Payers(BASE)
    payers.add("old", BASE)
    payers.add("both", BASE)
    payers.add("both", BASE + 10)
    payers.evict(BASE + 5)
    assert set(payers.masks) == {"both"}
    assert payers.count(BASE - 100, BASE + 100) == 1


@settings(max_examples=300, deadline=None)
@given(
    paid=orders.filter(bool),
    length=st.integers(0, 40),
    horizon=st.none() | st.integers(BASE - 10, BASE + 45),
)
def test_a_window_ending_the_day_before_the_newest_equals_the_oracle(
    paid: list[tuple[str, int]], length: int, horizon: int | None
) -> None:
    """The daily judge's window (the day that just closed) takes the newest day's payers
    apart from the histogram; late orders before the base and eviction move both."""
    payers = Payers(BASE)
    for customer, day in paid:
        payers.add(customer, day)
    if horizon is not None:
        payers.evict(horizon)
    end = max(day for _, day in paid) - 1
    start = end - length
    assert payers.count(start, end) == _oracle(paid, start, end, horizon)


def test_the_newest_days_payers_are_kept_apart() -> None:
    payers = Payers(BASE)
    payers.add("a", BASE)
    payers.add("b", BASE + 1)
    payers.add("a", BASE + 2)  # "a" moves to the newest day
    payers.add("c", BASE + 2)
    assert (payers.top, payers.at_top) == (2, {"a", "c"})
    assert payers.count(BASE, BASE + 1) == 2  # "b" from the histogram, "a" from its mask
    assert payers.count(BASE + 1, BASE + 1) == 1
    payers.evict(BASE + 2)
    assert (payers.top, payers.at_top) == (0, {"a", "c"})
