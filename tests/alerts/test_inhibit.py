"""Inhibition with Alertmanager's semantics."""

from __future__ import annotations

from alerts.config import InhibitRule
from alerts.inhibit import Inhibitor, default_inhibit_rules
from alerts.lifecycle import AlertBook
from tests.alerts.factories import T0, record


def alerts(*records):
    book = AlertBook()
    return [book.apply(r, T0) for r in records]


def company(**kw):
    return record(dimension="company", key="all", severity="critical", labels={}, **kw)


def test_default_rule_mutes_warnings_of_the_same_kpi_only() -> None:
    src, same, other_kpi, critical = alerts(
        company(),
        record(key="r-07"),
        record(kpi="revenue", key="r-07", unit="money"),
        record(key="r-08", severity="critical"),
    )
    inhibitor = Inhibitor(default_inhibit_rules())
    firing = [src, same, other_kpi, critical]
    assert inhibitor.muted(same, firing) == src.fingerprint
    assert inhibitor.muted(other_kpi, firing) is None
    assert inhibitor.muted(critical, firing) is None


def test_a_resolved_source_does_not_inhibit() -> None:
    src, target = alerts(company(status="resolved"), record())
    assert Inhibitor(default_inhibit_rules()).muted(target, [src]) is None


def test_an_alert_does_not_inhibit_itself_and_missing_equal_labels_count_as_equal() -> None:
    rule = InhibitRule(
        source_matchers=["kpi=win_rate"], target_matchers=["kpi=win_rate"], equal=["campaign"]
    )
    one, two = alerts(record(key="r-07"), record(key="r-08"))
    inhibitor = Inhibitor([rule])
    assert inhibitor.muted(one, [one]) is None
    assert inhibitor.muted(one, [one, two]) == two.fingerprint


def test_equal_labels_must_match() -> None:
    rule = InhibitRule(
        source_matchers=["severity=critical"], target_matchers=["severity=warning"], equal=["team"]
    )
    src, same_team, other_team = alerts(
        record(key="r-01", severity="critical"),
        record(key="r-02"),
        record(key="r-03", labels={"team": "t-9"}),
    )
    inhibitor = Inhibitor([rule])
    assert inhibitor.muted(same_team, [src]) == src.fingerprint
    assert inhibitor.muted(other_team, [src]) is None


def test_no_rules_never_mutes() -> None:
    [one] = alerts(record())
    assert Inhibitor().muted(one, [one]) is None
