"""Group keys, group labels, relative change, and the small helpers around them."""

from __future__ import annotations

import math

import pytest

from alerts.grouping import group_key, group_labels, relative_change
from alerts.redact import redact_url, scrub, secret_parts
from alerts.timeutil import from_iso, parse_duration, to_iso, utc


def test_group_labels_and_key() -> None:
    labels = {"kpi": "win_rate", "team": 't"2', "status": "firing"}
    assert group_labels(labels, ["team", "region"]) == {"team": 't"2'}
    assert group_labels(labels, ["..."]) == {"kpi": "win_rate", "team": 't"2'}
    assert group_labels(labels, []) == {}
    assert group_key({"team": 't"2', "kpi": "win_rate"}) == '{kpi="win_rate",team="t\\"2"}'
    assert group_key({}) == "{}"


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (0.5, 0.55, 0.1),
        (0.5, 0.25, 0.5),
        (0.0, 0.0, 0.0),
        (0.0, 1.0, math.inf),
        (None, None, 0.0),
        (None, 1.0, math.inf),
        (1.0, None, math.inf),
        (-2.0, -1.0, 0.5),
    ],
)
def test_relative_change(before: float | None, after: float | None, change: float) -> None:
    assert relative_change(before, after) == pytest.approx(change)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("4h", 14400),
        ("1h30m", 5400),
        ("1d", 86400),
        ("1w", 604800),
        ("250ms", 0.25),
        ("90", 90),
        (12, 12),
        (1.5, 1.5),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5 minutes", "m5", "-5m", True, None, []])
def test_parse_duration_refuses(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_times_are_aware_utc() -> None:
    moment = from_iso("2024-03-04T12:00:00+03:00")
    assert to_iso(moment) == "2024-03-04T09:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        utc(moment.replace(tzinfo=None))


def test_redaction_helpers() -> None:
    assert (
        redact_url("https://user:pw@h.example:8443/a/b?c=d") == "https://h.example:8443/<redacted>"
    )
    assert redact_url("not a url") == "<redacted>"
    assert redact_url("http://[bad") == "<redacted>"
    assert "pw" in secret_parts("https://user:pw@h.example/x")
    text = "fail https://h.example/services/ABCDEFGHIJ and ABCDEFGHIJ"
    assert scrub(text, secret_parts("https://h.example/services/ABCDEFGHIJ")) == (
        "fail <redacted> and <redacted>"
    )
