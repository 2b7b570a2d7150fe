"""Every user-facing word and number format, in English (default) and Russian.

>>> from decimal import Decimal
>>> format_money(Decimal("1234567.891"), "BYN", "en")
'BYN 1,234,567.89'
>>> format_money(Decimal("-1234567.89"), "BYN", "ru")
'-1 234 567,89 BYN'
>>> format_value(0.3127, "ratio", "en"), format_value(0.05, "ratio", "ru")
('31.3%', '5 %')
>>> t("ru", "vs_expected", expected="31 %"), plural("ru", 3, "alerts")
('при ожидаемых 31 %', '3 алерта')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = ["Language", "format_money", "format_number", "format_value", "plural", "t"]

Language = Literal["en", "ru"]

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "critical": "CRITICAL",
        "warning": "WARNING",
        "info": "INFO",
        "resolved": "RESOLVED",
        "drop": "drop",
        "spike": "spike",
        "vs_expected": "vs {expected} expected",
        "observed": "Observed",
        "expected": "Expected",
        "band": "Normal band",
        "severity": "Severity",
        "score": "Score",
        "money_impact": "Money impact",
        "top_contributors": "Top contributors",
        "share": "share",
        "detectors": "Detectors",
        "window": "Window",
        "since": "Since",
        "resolved_at": "Resolved at",
        "open_grafana": "Open in Grafana",
        "silence": "Silence",
        "more_alerts": "…and {n} more alerts not shown",
        "more_rows": "…and {n} more",
        "reason_firing": "New alert",
        "reason_update": "Update",
        "reason_repeat": "Reminder: still firing",
        "reason_resolved": "Resolved",
        "footer": "SalesPulse · subscription {subscription}",
    },
    "ru": {
        "critical": "КРИТИЧНО",
        "warning": "ВНИМАНИЕ",
        "info": "ИНФО",
        "resolved": "РЕШЕНО",
        "drop": "падение",
        "spike": "всплеск",
        "vs_expected": "при ожидаемых {expected}",
        "observed": "Факт",
        "expected": "Ожидалось",
        "band": "Нормальный диапазон",
        "severity": "Важность",
        "score": "Оценка",
        "money_impact": "Влияние в деньгах",
        "top_contributors": "Основной вклад",
        "share": "доля",
        "detectors": "Детекторы",
        "window": "Окно",
        "since": "С",
        "resolved_at": "Решено",
        "open_grafana": "Открыть в Grafana",
        "silence": "Заглушить",
        "more_alerts": "…и ещё {n} алертов не показано",
        "more_rows": "…и ещё {n}",
        "reason_firing": "Новый алерт",
        "reason_update": "Обновление",
        "reason_repeat": "Напоминание: всё ещё активно",
        "reason_resolved": "Решено",
        "footer": "SalesPulse · подписка {subscription}",
    },
}
_PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"alerts": ("alert", "alerts")},
    "ru": {"alerts": ("алерт", "алерта", "алертов")},
}
_UNITS = {"en": {"days": "days", "months": "months"}, "ru": {"days": "дн.", "months": "мес."}}


def t(lang: Language, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (English if missing), formatted with ``values``."""
    text = STRINGS.get(lang, STRINGS["en"]).get(key) or STRINGS["en"][key]
    return text.format(**values) if values else text


def plural(lang: Language, n: int, word: str) -> str:
    """``3 alerts`` / ``3 алерта`` with the right Russian form."""
    forms = _PLURALS[lang][word]
    if lang == "ru":
        tail, tens = n % 10, n % 100
        index = 0 if tail == 1 and tens != 11 else 1 if 2 <= tail <= 4 and tens // 10 != 1 else 2
    else:
        index = 0 if n == 1 else 1
    return f"{n} {forms[index]}"


def format_number(value: float | Decimal, lang: Language, decimals: int = 2) -> str:
    """Grouped thousands; ``decimals`` fixed (money) or at most (others, trailing 0s cut)."""
    text = f"{value:,.{decimals}f}"
    if lang == "ru":
        text = text.replace(",", " ").replace(".", ",")
    return text


def _trim(text: str, lang: Language) -> str:
    point = "," if lang == "ru" else "."
    return text.rstrip("0").rstrip(point) if point in text else text


def format_money(amount: Decimal | float, currency: str, lang: Language) -> str:
    """``BYN 1,234,567.89`` in English, ``1 234 567,89 BYN`` in Russian."""
    exact = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if exact < 0 else ""
    number = format_number(abs(exact), lang)
    return f"{sign}{number} {currency}" if lang == "ru" else f"{sign}{currency} {number}"


def format_value(
    value: float | None, unit: str, lang: Language, currency: str | None = None
) -> str:
    """A KPI value in its unit: ratios as percent, money with currency, days, counts."""
    if value is None:
        return "—"
    if unit == "ratio":
        percent = _trim(format_number(value * 100, lang, 1), lang)
        return f"{percent} %" if lang == "ru" else f"{percent}%"
    if unit == "money" and currency:
        return format_money(value, currency, lang)
    text = _trim(format_number(value, lang, 0 if unit == "count" else 2), lang)
    label = _UNITS[lang].get(unit)
    return f"{text} {label}" if label else text
