from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salespulse.kpis.cells import DayCell, money, units

# what the event schema admits: non-negative, at most 4 decimal places, up to 10^12
AMOUNTS = st.decimals(
    min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False
)


@given(st.lists(AMOUNTS, max_size=30), st.lists(AMOUNTS, max_size=30))
def test_sums_in_units_equal_decimal_sums(added: list[Decimal], taken: list[Decimal]) -> None:
    total = sum((units(a) for a in added), 0) - sum((units(t) for t in taken), 0)
    assert money(total) == sum(added, Decimal(0)) - sum(taken, Decimal(0))


def test_money_prints_without_trailing_zeros_or_exponents() -> None:
    assert [str(money(units(Decimal(s)))) for s in ("19800.00", "7415.7800", "0.0001")] == [
        "19800",
        "7415.78",
        "0.0001",
    ]
    assert str(money(units(Decimal("1E+3")))) == "1000" and str(money(-15_000)) == "-1.5"
    assert units(Decimal("12.3456")) == 123_456


def test_a_cell_holds_money_as_small_ints() -> None:
    cell, other = DayCell(), DayCell(order_revenue=units(Decimal("99.90")))
    cell.add(other)
    cell.add(other)
    assert type(cell.order_revenue) is int and money(cell.revenue) == Decimal("199.8")
