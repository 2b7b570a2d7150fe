"""Subscriptions, channels, quiet hours and the routing file: validation and redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from alerts.config import (
    InhibitRule,
    QuietHours,
    Subscription,
    describe_errors,
    load_routing,
)
from alerts.exceptions import AlertConfigError
from tests.alerts.factories import SLACK_URL, subscription


def errors(**overrides: object) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        subscription(**overrides)
    return describe_errors(info.value)


def test_defaults_follow_alertmanager() -> None:
    sub = Subscription(name="n", owner="o", channel={"type": "email", "to": ["a@example.com"]})
    assert (sub.group_wait, sub.group_interval, sub.repeat_interval) == (30, 300, 14400)
    assert sub.renotify_change == 0.1 and sub.language == "en"
    assert len(sub.id) == 16


def test_ids_are_generated_unique() -> None:
    channel = {"type": "email", "to": ["a@example.com"]}
    ids = {Subscription(name="n", owner="o", channel=channel).id for _ in range(50)}
    assert len(ids) == 50


def test_durations_accept_alertmanager_text() -> None:
    sub = subscription(group_wait="10s", group_interval="5m", repeat_interval="1h30m")
    assert (sub.group_wait, sub.group_interval, sub.repeat_interval) == (10, 300, 5400)


@pytest.mark.parametrize(
    ("overrides", "loc", "text"),
    [
        (
            {"channel": {"type": "slack", "webhook_url": "http://hooks.slack.com/x"}},
            "channel.slack.webhook_url",
            "must be https",
        ),
        (
            {"channel": {"type": "slack", "webhook_url": "not a url"}},
            "channel.slack.webhook_url",
            "http(s) URL",
        ),
        ({"channel": {"type": "email", "to": ["nobody"]}}, "channel.email.to.0", "email"),
        ({"channel": {"type": "email", "to": []}}, "channel.email.to", "at least 1"),
        ({"channel": {"type": "webhook", "url": "ftp://x/y"}}, "channel.webhook.url", "http"),
        ({"channel": {"type": "pager"}}, "channel", "does not match any of the expected tags"),
        ({"group_by": ["team", "teem"]}, "group_by", "unknown label 'teem'"),
        ({"group_by": ["...", "team"]}, "group_by", "must stand alone"),
        ({"min_severity": "fatal"}, "min_severity", "info"),
        ({"group_interval": 0}, "group_interval", "greater than 0"),
        ({"group_wait": "soon"}, "group_wait", "bad duration"),
        ({"language": "de"}, "language", "'en' or 'ru'"),
        ({"colour": "red"}, "colour", "Extra inputs"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours", "must differ"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start", "pattern"),
        (
            {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Base"}},
            "quiet_hours.timezone",
            "unknown time zone",
        ),
    ],
)
def test_bad_subscriptions_name_the_field(overrides: dict, loc: str, text: str) -> None:
    found = errors(**overrides)
    assert any(e["loc"] == loc and text in e["msg"] for e in found), found


def test_local_http_is_allowed_for_tests() -> None:
    sub = subscription(channel={"type": "slack", "webhook_url": "http://127.0.0.1:8080/hook"})
    assert sub.channel.type == "slack"


def test_secrets_are_redacted_in_dumps_reprs_and_errors() -> None:
    sub = subscription()
    assert "SECRET" not in json.dumps(sub.model_dump(mode="json"))
    assert (
        sub.model_dump(mode="json")["channel"]["webhook_url"]
        == "https://hooks.slack.com/<redacted>"
    )
    assert "SECRET" not in repr(sub) and "SECRET" not in str(sub)
    revealed = sub.model_dump(mode="json", context={"reveal_secrets": True})
    assert revealed["channel"]["webhook_url"] == SLACK_URL
    assert Subscription.model_validate(revealed) == sub
    with pytest.raises(ValidationError) as info:
        subscription(channel={"type": "slack", "webhook_url": "http://x.example/SECRET"})
    assert "SECRET" not in str(info.value)


def test_accepts_checks_severity_then_matchers() -> None:
    sub = subscription(min_severity="warning", matchers=["team=t-2"])
    assert sub.accepts({"severity": "critical", "team": "t-2"})
    assert not sub.accepts({"severity": "info", "team": "t-2"})
    assert not sub.accepts({"severity": "warning", "team": "t-3"})
    assert not sub.accepts({"team": "t-2"})


def test_quiet_hours_cross_midnight_and_follow_the_zone() -> None:
    night = QuietHours(start="22:00", end="07:00", timezone="Europe/Minsk")  # UTC+3
    assert night.contains(datetime(2024, 3, 4, 19, 0, tzinfo=UTC))  # 22:00 local
    assert not night.contains(datetime(2024, 3, 4, 18, 59, tzinfo=UTC))
    assert night.contains(datetime(2024, 3, 5, 3, 59, tzinfo=UTC))  # 06:59 local
    assert not night.contains(datetime(2024, 3, 5, 4, 0, tzinfo=UTC))
    assert night.ends_after(datetime(2024, 3, 5, 1, 0, tzinfo=UTC)) == datetime(
        2024, 3, 5, 4, 0, tzinfo=UTC
    )
    lunch = QuietHours(start="12:00", end="13:00")
    assert lunch.contains(datetime(2024, 3, 4, 12, 30, tzinfo=UTC))
    assert not lunch.contains(datetime(2024, 3, 4, 13, 0, tzinfo=UTC))


def test_quiet_hours_across_a_dst_change() -> None:
    berlin = QuietHours(start="22:00", end="07:00", timezone="Europe/Berlin")
    # Night of 30-31 March 2024: clocks go from 02:00 to 03:00; 07:00 CEST is 05:00 UTC.
    end = berlin.ends_after(datetime(2024, 3, 30, 23, 0, tzinfo=UTC))
    assert end == datetime(2024, 3, 31, 5, 0, tzinfo=UTC)


def test_routing_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        f"""
subscriptions:
  - id: sales-ops
    name: Sales ops
    owner: ops@example.com
    channel: {{type: slack, webhook_url: "{SLACK_URL}"}}
    matchers: ['kpi=~"win_rate|revenue"', team=t-2]
    group_by: [team]
    group_wait: 30s
    quiet_hours: {{start: "22:00", end: "07:00", timezone: Europe/Minsk}}
inhibit_rules:
  - source_matchers: [severity=critical, dimension=company]
    target_matchers: [severity=warning]
    equal: [kpi]
""",
        encoding="utf-8",
    )
    routing = load_routing(path)
    assert routing.subscriptions[0].matchers[0].op == "=~"
    assert routing.inhibit_rules[0] == InhibitRule(
        source_matchers=["severity=critical", "dimension=company"],
        target_matchers=["severity=warning"],
        equal=["kpi"],
    )


def test_routing_file_errors_name_fields_without_secrets(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        "subscriptions:\n  - {name: a, owner: b, channel: {type: slack, "
        "webhook_url: 'http://hooks.example/SECRET'}}\n  - {name: c}\n",
        encoding="utf-8",
    )
    with pytest.raises(AlertConfigError) as info:
        load_routing(path)
    message = str(info.value)
    assert "subscriptions.0.channel.slack.webhook_url" in message
    assert "subscriptions.1.owner" in message
    assert "SECRET" not in message
    with pytest.raises(AlertConfigError, match="cannot read"):
        load_routing(tmp_path / "missing.yaml")


def test_duplicate_subscription_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    one = "{id: a, name: a, owner: b, channel: {type: email, to: [a@example.com]}}"
    path.write_text(f"subscriptions: [{one}, {one}]\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match="unique"):
        load_routing(path)
