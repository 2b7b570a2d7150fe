"""Stores the API changes at run time, each change also queued for a compacted topic.

Every add or delete is kept as a ``StoreChange`` (key = id, value = JSON-able dict, or
``None`` for a tombstone). The wiring drains ``changes()`` into a compacted Kafka topic
keyed by id and rebuilds a store on start with ``apply_change`` for each message, which
queues nothing. Values hold the secrets in clear (the topic needs ACLs); the API and the
logs only ever see the redacted form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alerts.config import Subscription
from alerts.exceptions import NotFoundError

__all__ = ["ChangeLog", "StoreChange", "SubscriptionStore"]


@dataclass(frozen=True)
class StoreChange:
    """One message for the compacted topic: ``value is None`` deletes ``key``."""

    key: str
    value: dict[str, Any] | None


class ChangeLog:
    """Pending changes since the last ``changes()`` call."""

    def __init__(self) -> None:
        self._pending: list[StoreChange] = []

    def _record(self, key: str, value: dict[str, Any] | None) -> None:
        self._pending.append(StoreChange(key, value))

    def changes(self) -> list[StoreChange]:
        """Drain and return the changes made since the previous call, oldest first."""
        pending, self._pending = self._pending, []
        return pending


def dump_subscription(subscription: Subscription) -> dict[str, Any]:
    """The stored form: JSON with secrets in clear, so it can be rebuilt exactly."""
    return subscription.model_dump(mode="json", context={"reveal_secrets": True})


class SubscriptionStore(ChangeLog):
    """Subscriptions by id; ``add`` replaces one with the same id."""

    def __init__(self, initial: Iterable[Subscription] = ()) -> None:
        super().__init__()
        self._items: dict[str, Subscription] = {s.id: s for s in initial}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, subscription_id: object) -> bool:
        return subscription_id in self._items

    def get(self, subscription_id: str) -> Subscription | None:
        return self._items.get(subscription_id)

    def list(self) -> list[Subscription]:
        return sorted(self._items.values(), key=lambda s: (s.name, s.id))

    def add(self, subscription: Subscription) -> bool:
        """Store it; True when the id is new, False when it replaced one."""
        created = subscription.id not in self._items
        self._items[subscription.id] = subscription
        self._record(subscription.id, dump_subscription(subscription))
        return created

    def remove(self, subscription_id: str) -> Subscription:
        """Delete by id or raise ``NotFoundError``."""
        try:
            removed = self._items.pop(subscription_id)
        except KeyError:
            raise NotFoundError("subscription", subscription_id) from None
        self._record(subscription_id, None)
        return removed

    def apply_change(self, key: str, value: dict[str, Any] | None) -> None:
        """Replay one topic message (no change is queued)."""
        if value is None:
            self._items.pop(key, None)
        else:
            self._items[key] = Subscription.model_validate(value)
