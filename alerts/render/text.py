"""Wording shared by every channel: headlines, value lines, drill-down rows.

A headline is what a person triages from: severity, KPI and direction, the series and its
parents, observed against expected, e.g.
``[CRITICAL] win_rate drop — rep r-07 (team t-2): 5% vs 31% expected``.
"""

from __future__ import annotations

from alerts.model import AlertSnapshot
from alerts.notification import Notification
from alerts.render.i18n import Language, format_money, format_value, plural, t
from alerts.timeutil import to_iso

__all__ = ["details", "drilldown_rows", "headline", "parents", "series", "title", "value"]

CORE_LABELS = frozenset({"kpi", "dimension", "key", "window", "severity", "direction"})
CORE_LABELS |= {"unit", "status"}
PARENT_ORDER = ("region", "team", "channel", "campaign", "product", "rep")


def tag(alert: AlertSnapshot, lang: Language) -> str:
    word = "resolved" if alert.status == "resolved" else alert.record.severity
    return f"[{t(lang, word)}]"


def value(alert: AlertSnapshot, number: float | None, lang: Language) -> str:
    money = alert.record.money_impact
    return format_value(number, alert.record.unit, lang, money.currency if money else None)


def parents(alert: AlertSnapshot) -> list[tuple[str, str]]:
    """The series' parent labels (team, region …), in a fixed order, then the rest."""
    labels = {
        k: v
        for k, v in alert.labels.items()
        if k not in CORE_LABELS and k != alert.record.dimension
    }
    known = [(k, labels.pop(k)) for k in PARENT_ORDER if k in labels]
    return known + sorted(labels.items())


def series(alert: AlertSnapshot) -> str:
    """``rep r-07 (team t-2, region west)``."""
    record = alert.record
    text = f"{record.dimension} {record.key}"
    up = parents(alert)
    return f"{text} ({', '.join(f'{k} {v}' for k, v in up)})" if up else text


def headline(alert: AlertSnapshot, lang: Language) -> str:
    record = alert.record
    observed = value(alert, record.observed, lang)
    expected = t(lang, "vs_expected", expected=value(alert, record.expected, lang))
    what = f"{record.kpi} {t(lang, record.direction)}"
    return f"{tag(alert, lang)} {what} — {series(alert)}: {observed} {expected}"


def title(notification: Notification, lang: Language) -> str:
    """The headline of a one-alert notification, or a summary naming the first alert."""
    alerts = notification.firing or notification.alerts
    if len(notification.alerts) == 1:
        return headline(notification.alerts[0], lang)
    first = headline(alerts[0], lang).split("] ", 1)[1]
    word = "resolved" if notification.status == "resolved" else notification.severity
    count = plural(lang, len(notification.alerts), "alerts")
    scope = ", ".join(f"{k} {v}" for k, v in sorted(notification.group_labels.items()))
    rest = len(notification.alerts) - 1
    return f"[{t(lang, word)}] {count}" + (f" · {scope}" if scope else "") + f" · {first} +{rest}"


def details(alert: AlertSnapshot, lang: Language) -> list[tuple[str, str]]:
    """Labelled lines: observed, expected, band, severity and score, money, times."""
    record = alert.record
    rows = [
        (t(lang, "observed"), value(alert, record.observed, lang)),
        (t(lang, "expected"), value(alert, record.expected, lang)),
    ]
    if record.low is not None or record.high is not None:
        band = f"{value(alert, record.low, lang)} – {value(alert, record.high, lang)}"
        rows.append((t(lang, "band"), band))
    rows.append((t(lang, "severity"), f"{t(lang, record.severity)} · {record.score:.2f}"))
    if record.money_impact is not None:
        money = format_money(record.money_impact.amount, record.money_impact.currency, lang)
        rows.append((t(lang, "money_impact"), money))
    rows.append((t(lang, "window"), record.window))
    rows.append((t(lang, "since"), to_iso(alert.starts_at)))
    if alert.ends_at is not None:
        rows.append((t(lang, "resolved_at"), to_iso(alert.ends_at)))
    if record.detectors:
        rows.append((t(lang, "detectors"), ", ".join(d.name for d in record.detectors)))
    return rows


def drilldown_rows(alert: AlertSnapshot, lang: Language) -> list[str]:
    """``rep r-07: 5% vs 31% expected (share 80%)`` per child, biggest share first."""
    rows = []
    for child in sorted(alert.record.drilldown, key=lambda c: -abs(c.share)):
        observed = value(alert, child.observed, lang)
        expected = t(lang, "vs_expected", expected=value(alert, child.expected, lang))
        share = format_value(child.share, "ratio", lang)
        rows.append(
            f"{child.dimension} {child.key}: {observed} {expected} ({t(lang, 'share')} {share})"
        )
    return rows
