"""Silences store: states, expiry, mute check, retention and the change log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from alerts.config import Silence
from alerts.exceptions import NotFoundError
from alerts.silences import Silences
from tests.alerts.factories import T0

LABELS = {"kpi": "win_rate", "team": "t-2", "key": "r-07"}


def make(start: float = 0, hours: float = 2, *matchers: str) -> Silence:
    return Silence(
        matchers=list(matchers) or ["kpi=win_rate", "team=~t-[0-9]"],
        starts_at=T0 + timedelta(hours=start),
        ends_at=T0 + timedelta(hours=start + hours),
        created_by="ops",
        comment="deploy",
    )


def test_states_follow_the_clock() -> None:
    silence = make(start=1)
    assert silence.state(T0) == "pending" and not silence.is_active(T0)
    assert silence.state(T0 + timedelta(hours=1)) == "active"
    assert silence.state(T0 + timedelta(hours=3)) == "expired"


def test_muted_returns_matching_active_silences() -> None:
    store = Silences()
    active = store.add(make())
    store.add(make(0, 2, "kpi=revenue"))
    store.add(make(start=5))
    assert store.muted(LABELS, T0 + timedelta(minutes=1)) == (active.id,)
    assert store.muted(LABELS, T0 + timedelta(hours=2)) == ()


def test_expire_ends_an_active_or_pending_silence_now() -> None:
    store = Silences()
    active, pending = store.add(make()), store.add(make(start=5))
    now = T0 + timedelta(minutes=10)
    assert store.expire(active.id, now).state(now) == "expired"
    assert store.expire(pending.id, now).state(now) == "expired"
    assert store.muted(LABELS, now) == ()
    with pytest.raises(NotFoundError):
        store.expire("nope", now)


def test_list_by_state() -> None:
    store = Silences()
    store.add(make())
    store.add(make(start=5))
    now = T0 + timedelta(minutes=1)
    assert [s.state(now) for s in store.list(now)] == ["pending", "active"]
    assert len(store.list(now, "active")) == 1


def test_gc_forgets_old_expired_silences_with_a_tombstone() -> None:
    store = Silences(retention=3600)
    old = store.add(make())
    store.changes()
    assert store.gc(T0 + timedelta(hours=2, minutes=59)) == 0
    assert store.gc(T0 + timedelta(hours=3, seconds=1)) == 1
    assert [(c.key, c.value) for c in store.changes()] == [(old.id, None)]


def test_changes_rebuild_an_identical_store() -> None:
    store = Silences()
    one, two = store.add(make()), store.add(make(start=1))
    store.expire(two.id, T0)
    replica = Silences()
    for change in store.changes():
        replica.apply_change(change.key, change.value)
    assert replica.get(one.id) == one
    assert replica.get(two.id) == store.get(two.id)
    assert replica.changes() == []
    replica.apply_change(one.id, None)
    assert replica.get(one.id) is None


def test_a_silence_needs_matchers_and_an_order() -> None:
    with pytest.raises(ValidationError, match="matchers"):
        Silence(
            matchers=[], starts_at=T0, ends_at=T0 + timedelta(hours=1), created_by="a", comment="c"
        )
    with pytest.raises(ValidationError, match="ends_at must be after starts_at"):
        make(hours=0)
