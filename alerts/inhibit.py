"""Inhibition: a firing source alert mutes target alerts that share the ``equal`` labels.

Alertmanager's semantics: the source must be firing, the target matches the target
matchers, each ``equal`` label has the same value on both (absent on both counts as equal),
and an alert never inhibits itself. The default rule lets a critical company-level alert
mute the warnings of the same KPI, so one incident is not told twice.

``Inhibitor.sources(firing)`` indexes the sources once (per rule, by their ``equal``
values), so checking each alert of a flush costs a dictionary look-up per rule.

>>> rule = default_inhibit_rules()[0]
>>> [str(m) for m in rule.source_matchers], rule.equal
(['severity="critical"', 'dimension="company"'], ('kpi',))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alerts.config import InhibitRule, Matcher
from alerts.matchers import matches_all
from alerts.model import Alert

__all__ = ["InhibitSources", "Inhibitor", "default_inhibit_rules"]

_Index = dict[tuple[str, ...], list[str]]


def default_inhibit_rules() -> tuple[InhibitRule, ...]:
    """A critical company-level alert mutes warnings of the same KPI."""
    return (
        InhibitRule(
            source_matchers=(
                Matcher.parse("severity=critical"),
                Matcher.parse("dimension=company"),
            ),
            target_matchers=(Matcher.parse("severity=warning"),),
            equal=("kpi",),
        ),
    )


class InhibitSources:
    """The firing sources of each rule, keyed by their values of the rule's ``equal`` labels."""

    def __init__(self, rules: tuple[InhibitRule, ...], firing: Iterable[Alert]) -> None:
        self.rules = rules
        self._index: list[_Index] = [{} for _ in rules]
        for alert in firing:
            if alert.status != "firing":
                continue
            labels = alert.labels
            for rule, index in zip(rules, self._index, strict=True):
                if matches_all(rule.source_matchers, labels):
                    key = tuple(labels.get(name, "") for name in rule.equal)
                    index.setdefault(key, []).append(alert.fingerprint)

    def muted(self, alert: Alert) -> str | None:
        """The fingerprint of the first source that inhibits ``alert``, else None."""
        labels = alert.labels
        for rule, index in zip(self.rules, self._index, strict=True):
            if not index or not matches_all(rule.target_matchers, labels):
                continue
            key = tuple(labels.get(name, "") for name in rule.equal)
            for source in index.get(key, ()):
                if source != alert.fingerprint:
                    return source
        return None


class Inhibitor:
    """Checks alerts against the rules and the currently firing alerts."""

    def __init__(self, rules: Iterable[InhibitRule] = ()) -> None:
        self.rules = tuple(rules)

    def sources(self, firing_alerts: Iterable[Alert]) -> InhibitSources:
        """Index the firing alerts once, then ask ``.muted(alert)`` for each target."""
        return InhibitSources(self.rules, firing_alerts if self.rules else ())

    def muted(self, alert: Alert, firing_alerts: Sequence[Alert]) -> str | None:
        """The fingerprint of the first firing alert that inhibits ``alert``, else None."""
        return self.sources(firing_alerts).muted(alert)
