"""Dispatcher properties over random record streams (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.dispatch import Dispatcher
from alerts.lifecycle import AlertBook
from alerts.notification import Notification, NotifyReason
from tests.alerts.factories import Rig, record, subscription

KEYS = ["r-1", "r-2", "r-3", "r-4"]
step = st.tuples(
    st.sampled_from(KEYS),
    st.sampled_from(["firing", "resolved", "wait"]),
    st.floats(min_value=0.01, max_value=1.0),
    st.integers(min_value=1, max_value=400),
)


def run(rig: Rig, steps: list, start_day: int = 0) -> list[Notification]:
    sent: list[Notification] = []
    for day, (key, status, observed, seconds) in enumerate(steps, start=start_day):
        if status != "wait":
            team = "t-1" if key in ("r-1", "r-2") else "t-2"
            rig.feed(
                record(key=key, status=status, observed=observed, day=day, labels={"team": team})
            )
        sent += rig.jump(seconds)
    return sent


def make() -> Rig:
    return Rig(subscription(group_wait=30, group_interval=60, repeat_interval=300))


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=25))
def test_resolved_is_only_sent_for_alerts_told_firing(steps: list) -> None:
    told: set[str] = set()
    for n in run(make(), steps):
        for alert in n.alerts:
            if alert.status == "firing":
                told.add(alert.fingerprint)
            else:
                assert alert.fingerprint in told
        if n.reason is NotifyReason.RESOLVED:
            assert all(a.status == "resolved" for a in n.alerts)
        assert n.alerts


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=15), st.lists(step, max_size=15))
def test_a_snapshot_restart_continues_identically(before: list, after: list) -> None:
    straight, restarted = make(), make()
    ids = [n.notification_id for n in run(straight, before)]
    assert ids == [n.notification_id for n in run(restarted, before)]
    book = AlertBook.from_dict(json.loads(json.dumps(restarted.book.to_dict())))
    state = json.loads(json.dumps(restarted.dispatcher.to_dict()))
    restarted.book = book
    restarted.dispatcher = Dispatcher.from_dict(state, restarted.subs, book)
    a = run(straight, after, start_day=len(before))
    b = run(restarted, after, start_day=len(before))
    assert [n.notification_id for n in a] == [n.notification_id for n in b]
