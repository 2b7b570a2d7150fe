"""docs/alerting.md: its routing example loads, and it names every subscription field."""

from __future__ import annotations

import re
from pathlib import Path

from alerts.config import Subscription, load_routing

DOC = Path(__file__).resolve().parents[2] / "docs" / "alerting.md"


def test_the_routing_example_is_valid(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    [example] = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    path = tmp_path / "routing.yaml"
    path.write_text(example, encoding="utf-8")
    routing = load_routing(path)
    assert len(routing.subscriptions) == 4 and len(routing.inhibit_rules) == 1
    assert {s.channel.type for s in routing.subscriptions} == {
        "slack",
        "email",
        "webhook",
        "alertmanager",
    }


def test_every_subscription_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Subscription.model_fields if f"{name}" not in text]
    assert missing == []
