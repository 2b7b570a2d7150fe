"""Silences: time-boxed mutes chosen by label matchers, as in Alertmanager.

A silence is pending before ``starts_at``, active until ``ends_at``, then expired.
Expiring one ends it now; expired silences are kept ``retention`` seconds (for the list)
and then forgotten by ``gc``. Changes are queued for the compacted topic like the
subscription store's.

>>> from datetime import datetime, timedelta, UTC
>>> now = datetime(2024, 3, 4, tzinfo=UTC)
>>> store = Silences()
>>> s = store.add(Silence(matchers=["kpi=win_rate"], starts_at=now,
...     ends_at=now + timedelta(hours=2), created_by="ops", comment="known"))
>>> store.muted({"kpi": "win_rate"}, now) == (s.id,)
True
>>> _ = store.expire(s.id, now + timedelta(minutes=5))
>>> store.muted({"kpi": "win_rate"}, now + timedelta(minutes=6))
()
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from alerts.config import Silence
from alerts.exceptions import NotFoundError
from alerts.stores import ChangeLog

__all__ = ["Silence", "Silences"]

SilenceState = Literal["pending", "active", "expired"]


class Silences(ChangeLog):
    """Silences by id, with the mute check the dispatcher runs at each flush."""

    def __init__(self, retention: float = 5 * 86400) -> None:
        super().__init__()
        if retention < 0:
            raise ValueError(f"retention must be >= 0, got {retention}")
        self.retention = retention
        self._items: dict[str, Silence] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, silence_id: str) -> Silence | None:
        return self._items.get(silence_id)

    def add(self, silence: Silence) -> Silence:
        """Store (or replace by id) and return the silence."""
        self._items[silence.id] = silence
        self._record(silence.id, silence.model_dump(mode="json"))
        return silence

    def expire(self, silence_id: str, now: datetime) -> Silence:
        """End it now (a pending one never starts); ``NotFoundError`` for an unknown id."""
        silence = self._items.get(silence_id)
        if silence is None:
            raise NotFoundError("silence", silence_id)
        if silence.state(now) == "expired":
            return silence
        starts = min(silence.starts_at, now - timedelta(microseconds=1))
        ended = silence.model_copy(update={"starts_at": starts, "ends_at": now})
        return self.add(ended)

    def list(self, now: datetime, state: SilenceState | None = None) -> list[Silence]:
        """Newest first, optionally only those in ``state``."""
        found = [s for s in self._items.values() if state is None or s.state(now) == state]
        return sorted(found, key=lambda s: (s.starts_at, s.id), reverse=True)

    def muted(self, labels: Mapping[str, str], now: datetime) -> tuple[str, ...]:
        """Ids of the active silences whose matchers all hold for ``labels``."""
        plain = dict(labels)
        return tuple(
            sorted(s.id for s in self._items.values() if s.is_active(now) and s.matches(plain))
        )

    def gc(self, now: datetime) -> int:
        """Forget silences expired more than ``retention`` seconds ago (tombstones queued)."""
        horizon = now - timedelta(seconds=self.retention)
        stale = [s.id for s in self._items.values() if s.ends_at < horizon]
        for silence_id in stale:
            del self._items[silence_id]
            self._record(silence_id, None)
        return len(stale)

    def apply_change(self, key: str, value: dict[str, Any] | None) -> None:
        """Replay one topic message (no change is queued)."""
        if value is None:
            self._items.pop(key, None)
        else:
            self._items[key] = Silence.model_validate(value)
