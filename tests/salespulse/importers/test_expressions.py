"""Each expression kind, transform and condition, compiled against a small header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from salespulse.exceptions import ImportSourceError
from salespulse.importers.expressions import Context, Row, compile_condition, compile_operand
from salespulse.importers.syntax import Condition, Operand
from salespulse.importers.transforms import ExpressionError

HEADER = ["Invoice", "Qty", "Price", "Date", "Customer", "Country", "Blank"]
ROW = Row(7, ["C536379", "-3.0", "0.1", "2011-06-01 14:30:00", "17850.0", "United Kingdom", " "])


def ev(spec: dict[str, Any], row: Row = ROW, zone: str = "Europe/London") -> Any:
    ctx = Context.from_header(HEADER, ZoneInfo(zone))
    return compile_operand(Operand.model_validate(spec), ctx)(row)


def test_column_gives_the_raw_cell() -> None:
    assert ev({"column": "Country"}) == "United Kingdom"


def test_blank_cell_is_empty_and_default_replaces_it() -> None:
    assert ev({"column": "Blank"}) is None
    assert ev({"column": "Blank", "default": "unknown"}) == "unknown"
    assert ev({"column": "Country", "default": "unknown"}) == "United Kingdom"


def test_const_keeps_its_type() -> None:
    assert ev({"const": "new"}) == "new"
    assert ev({"const": 3}) == 3
    assert ev({"const": True}) is True


def test_template_substitutes_columns_and_the_line_number() -> None:
    assert ev({"template": "uci-{Invoice}-{_line}"}) == "uci-C536379-7"


def test_template_with_an_empty_column_is_empty() -> None:
    assert ev({"template": "x-{Blank}"}) is None
    assert ev({"template": "x-{Blank}", "default": "none"}) == "none"


def test_datetime_puts_naive_times_in_the_mapping_zone() -> None:
    value = ev({"datetime": "Date", "format": "%Y-%m-%d %H:%M:%S"})
    assert value == datetime(2011, 6, 1, 13, 30, tzinfo=UTC)  # BST is UTC+1
    assert value.utcoffset() == timedelta(hours=1)


def test_a_date_without_time_is_midnight_in_the_zone() -> None:
    row = Row(2, ["x", "1", "1", "2018-02-01", "", "", ""])
    value = ev({"datetime": "Date", "format": "%Y-%m-%d"}, row, "America/Sao_Paulo")
    assert value.isoformat() == "2018-02-01T00:00:00-02:00"  # Brazilian summer time then


def test_datetime_with_an_offset_in_the_file_keeps_it() -> None:
    row = Row(2, ["x", "1", "1", "2018-02-01T10:00:00+0530", "", "", ""])
    value = ev({"datetime": "Date", "format": "%Y-%m-%dT%H:%M:%S%z"}, row)
    assert value.utcoffset() == timedelta(hours=5, minutes=30)


def test_datetime_not_matching_the_format_names_column_and_format() -> None:
    with pytest.raises(ExpressionError) as info:
        ev({"datetime": "Date", "format": "%d/%m/%Y"})
    assert info.value.reason == "Date does not match format '%d/%m/%Y'"
    assert "2011-06-01 14:30:00" in info.value.detail


def test_multiply_is_exact_decimal_not_float() -> None:
    row = Row(2, ["x", "3", "0.1", "", "", "", ""])
    value = ev({"multiply": [{"column": "Qty"}, {"column": "Price"}]}, row)
    assert value == Decimal("0.3") and isinstance(value, Decimal)  # 3 * 0.1 != 0.3 in float


def test_add_and_nested_arithmetic() -> None:
    spec = {"add": [{"multiply": [{"column": "Qty"}, {"column": "Price"}]}, {"const": "1.25"}]}
    assert ev(spec) == Decimal("0.95")  # -3.0 * 0.1 + 1.25


def test_arithmetic_with_an_empty_operand_is_empty() -> None:
    assert ev({"multiply": [{"column": "Qty"}, {"column": "Blank"}]}) is None


def test_arithmetic_on_text_fails_with_the_value() -> None:
    with pytest.raises(ExpressionError) as info:
        ev({"multiply": [{"column": "Qty"}, {"column": "Country"}]})
    assert info.value.reason == "not a decimal number"
    assert "United Kingdom" in info.value.detail


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"column": "Customer", "transform": "integer"}, "17850"),
        ({"column": "Country", "transform": "slug"}, "United_Kingdom"),
        ({"column": "Country", "transform": ["upper"]}, "UNITED KINGDOM"),
        ({"column": "Country", "transform": ["lower", "slug"]}, "united_kingdom"),
        ({"const": "  a b ", "transform": "strip"}, "a b"),
        ({"column": "Qty", "transform": "decimal"}, Decimal("-3.0")),
        ({"column": "Qty", "transform": "abs"}, Decimal("3.0")),
        ({"column": "Qty", "transform": "negate"}, Decimal("3.0")),
        ({"column": "Price", "transform": "negate"}, Decimal("-0.1")),
        ({"column": "Blank", "default": "0", "transform": "decimal"}, Decimal("0")),
    ],
)
def test_transforms(spec: dict[str, Any], expected: object) -> None:
    assert ev(spec) == expected


def test_integer_refuses_a_fraction() -> None:
    with pytest.raises(ExpressionError, match="not a whole number"):
        ev({"column": "Price", "transform": "integer"})


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1,5"])
def test_decimal_refuses_non_finite_and_malformed_numbers(text: str) -> None:
    with pytest.raises(ExpressionError):
        ev({"const": text, "transform": "decimal"})


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"column": "Invoice", "startswith": "C"}, True),
        ({"column": "Invoice", "startswith": "C", "negate": True}, False),
        ({"column": "Country", "equals": "United Kingdom"}, True),
        ({"column": "Country", "equals": "united kingdom"}, False),
        ({"column": "Country", "one_of": ["France", "United Kingdom"]}, True),
        ({"column": "Blank", "empty": True}, True),
        ({"column": "Customer", "empty": False}, True),
        ({"column": "Blank", "startswith": "C"}, False),
    ],
)
def test_conditions(spec: dict[str, Any], expected: bool) -> None:
    ctx = Context.from_header(HEADER, ZoneInfo("UTC"))
    assert compile_condition(Condition.model_validate(spec), ctx)(ROW) is expected


def test_columns_missing_from_the_header_are_all_named_after_compiling() -> None:
    ctx = Context.from_header(HEADER, ZoneInfo("UTC"))
    compile_operand(Operand(template="{Quantity}-{Invoice}-{Amount}"), ctx)
    with pytest.raises(ImportSourceError, match="uses 'Amount', 'Quantity', not in the CSV header"):
        ctx.check()


def test_a_duplicated_header_column_is_refused_only_when_used() -> None:
    ctx = Context.from_header(["A", "B", "A"], ZoneInfo("UTC"))
    compile_operand(Operand(column="B"), ctx)
    ctx.check()
    compile_operand(Operand(column="A"), ctx)
    with pytest.raises(ImportSourceError, match="column 'A' appears twice in the CSV header"):
        ctx.check()
