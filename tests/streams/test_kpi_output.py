"""What the KPI stage publishes: which values count as changed, and their encoding."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import orjson
import pytest

from salespulse.kpis import KpiValue
from streams.kpi_output import encode_value, publishable

DAY = date(2026, 3, 2)


def value(**changes: object) -> KpiValue:
    base = KpiValue("arpu", "rep", "r1", "mtd", DAY, 12.5, Decimal("25.0000"), 2)
    return base._replace(**changes)


def test_a_first_value_is_published_and_remembered() -> None:
    current: dict[tuple[str, str, str, str], KpiValue] = {}
    assert publishable([value()], current) == [value()]
    assert current == {("arpu", "rep", "r1", "mtd"): value()}


@pytest.mark.parametrize(
    "changes",
    [
        {"as_of": DAY + timedelta(days=1)},
        {"value": 12.0},
        {"value": None},
        {"numerator": Decimal("26")},
        {"denominator": 3},
        {"denominator": None},
    ],
    ids=lambda c: next(iter(c)),
)
def test_any_compared_field_that_moves_makes_a_change(changes: dict[str, object]) -> None:
    current = {value()[:4]: value()}
    moved = value(**changes)
    assert publishable([moved], current) == [moved]
    assert current[moved[:4]] is moved


def test_an_equal_value_is_not_published_again() -> None:
    current = {value()[:4]: value()}
    same = value(numerator=Decimal("25"))  # equal Decimals: the same number
    assert publishable([same, value()], current) == []
    assert current[value()[:4]] == value()


def test_other_series_and_windows_are_kept_apart() -> None:
    current = {value()[:4]: value()}
    others = [value(window="qtd"), value(key="r2"), value(kpi="cac"), value(dimension="team")]
    assert publishable(others, current) == others
    assert len(current) == 5


def test_a_value_is_keyed_by_its_series_and_carries_the_watermark() -> None:
    key, body = encode_value(value(), "2026-03-02T23:59:30.000250+03:00")
    assert key == b"arpu|rep|r1|mtd"
    assert orjson.loads(body) == {
        "kpi": "arpu",
        "dimension": "rep",
        "key": "r1",
        "window": "mtd",
        "as_of": "2026-03-02",
        "value": 12.5,
        "numerator": "25.0000",
        "denominator": 2,
        "watermark": "2026-03-02T23:59:30.000250+03:00",
    }
    assert orjson.loads(encode_value(value(), None)[1])["watermark"] is None
