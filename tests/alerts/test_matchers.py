"""Label matchers: Alertmanager operators, anchored regexes, known label names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.matchers import Matcher, matches_all


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("kpi=win_rate", {"kpi": "win_rate"}, True),
        ("kpi=win_rate", {"kpi": "win_rate_x"}, False),
        ("kpi!=win_rate", {"kpi": "revenue"}, True),
        ("team=~t-[12]", {"team": "t-1"}, True),
        ("team=~t-[12]", {"team": "t-12"}, False),  # anchored
        ("team!~t-.*", {"team": "t-3"}, False),
        ("team!~t-.*", {}, True),
        ('region=""', {}, True),  # a missing label is the empty string
        ('rep="r 07"', {"rep": "r 07"}, True),
    ],
)
def test_operators(text: str, labels: dict[str, str], expected: bool) -> None:
    assert Matcher.parse(text).matches(labels) is expected


def test_text_and_mapping_forms_agree_and_print_back() -> None:
    parsed = Matcher.parse(' severity =~ "warning|critical" ')
    built = Matcher(name="severity", op="=~", value="warning|critical")
    assert parsed == built
    assert Matcher.parse(str(built)) == built


def test_all_must_hold() -> None:
    matchers = [Matcher.parse("kpi=win_rate"), Matcher.parse("team=t-2")]
    assert matches_all(matchers, {"kpi": "win_rate", "team": "t-2"})
    assert not matches_all(matchers, {"kpi": "win_rate", "team": "t-3"})
    assert matches_all([], {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("teem=t-2", "unknown label 'teem'"),
        ("team=~t-(", "invalid regex for team"),
        ("no operator", "bad matcher"),
    ],
)
def test_bad_matchers_say_why(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Matcher.parse(text)
