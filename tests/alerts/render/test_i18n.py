"""Numbers, money and words in English and Russian."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alerts.render.i18n import STRINGS, format_money, format_value, plural, t


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [
        (Decimal("1234567.89"), "en", "BYN 1,234,567.89"),
        (Decimal("1234567.89"), "ru", "1 234 567,89 BYN"),
        (Decimal("-1500"), "en", "-BYN 1,500.00"),
        (Decimal("-1500"), "ru", "-1 500,00 BYN"),
        (Decimal("0.005"), "en", "BYN 0.01"),
        (12.5, "ru", "12,50 BYN"),
    ],
)
def test_money(amount: Decimal, lang: str, text: str) -> None:
    assert format_money(amount, "BYN", lang) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "unit", "lang", "text"),
    [
        (0.05, "ratio", "en", "5%"),
        (0.3127, "ratio", "en", "31.3%"),
        (0.3127, "ratio", "ru", "31,3 %"),
        (1234.0, "count", "en", "1,234"),
        (1234.0, "count", "ru", "1 234"),
        (12.5, "days", "en", "12.5 days"),
        (12.5, "days", "ru", "12,5 дн."),
        (2.0, "months", "ru", "2 мес."),
        (0.8765, "score", "en", "0.88"),
        (None, "ratio", "en", "—"),
        (1500.0, "money", "en", "1,500"),
    ],
)
def test_values(value: float | None, unit: str, lang: str, text: str) -> None:
    assert format_value(value, unit, lang) == text  # type: ignore[arg-type]


def test_money_unit_uses_the_currency() -> None:
    assert format_value(-2500.5, "money", "ru", "BYN") == "-2 500,50 BYN"


def test_every_string_exists_in_both_languages() -> None:
    assert STRINGS["en"].keys() == STRINGS["ru"].keys()
    assert t("ru", "drop") == "падение" and t("en", "spike") == "spike"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1 алерт"),
        (2, "2 алерта"),
        (5, "5 алертов"),
        (11, "11 алертов"),
        (21, "21 алерт"),
        (22, "22 алерта"),
        (112, "112 алертов"),
    ],
)
def test_russian_plurals(n: int, text: str) -> None:
    assert plural("ru", n, "alerts") == text
    assert plural("en", 1, "alerts") == "1 alert" and plural("en", 2, "alerts") == "2 alerts"
