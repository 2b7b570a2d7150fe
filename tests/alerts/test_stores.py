"""SubscriptionStore: upsert, delete with tombstone, rebuild from the change log."""

from __future__ import annotations

import json

import pytest

from alerts.exceptions import NotFoundError
from alerts.stores import SubscriptionStore
from tests.alerts.factories import SLACK_URL, subscription


def test_add_replace_remove_and_the_change_log() -> None:
    store = SubscriptionStore()
    assert store.add(subscription(id="a", name="Zed"))
    assert store.add(subscription(id="b", name="Amy"))
    assert not store.add(subscription(id="a", name="Zed v2"))
    assert [s.name for s in store.list()] == ["Amy", "Zed v2"]
    assert store.remove("b").name == "Amy"
    with pytest.raises(NotFoundError, match="no subscription with id 'b'"):
        store.remove("b")
    changes = store.changes()
    assert [(c.key, c.value is None) for c in changes] == [
        ("a", False),
        ("b", False),
        ("a", False),
        ("b", True),
    ]
    assert store.changes() == []


def test_changes_carry_the_secret_and_rebuild_the_store() -> None:
    store = SubscriptionStore()
    store.add(subscription(id="a"))
    store.add(subscription(id="b", channel={"type": "email", "to": ["x@example.com"]}))
    store.remove("b")
    replica = SubscriptionStore()
    for change in store.changes():
        value = json.loads(json.dumps(change.value)) if change.value else None
        replica.apply_change(change.key, value)
    assert replica.list() == store.list()
    assert replica.get("a").channel.webhook_url.get_secret_value() == SLACK_URL
    assert replica.changes() == []
    assert "b" not in replica and len(replica) == 1
