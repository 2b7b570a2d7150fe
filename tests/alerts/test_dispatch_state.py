"""Dispatcher state survives a JSON round trip; notification ids are deterministic."""

from __future__ import annotations

import json
from datetime import timedelta

from alerts.dispatch import Dispatcher
from alerts.lifecycle import AlertBook
from alerts.notification import Notification, NotifyReason
from tests.alerts.factories import Rig, record, subscription

SUB = subscription(group_wait=30, group_interval=120, repeat_interval=300)


def script(rig: Rig, step: int) -> list[Notification]:
    """The same inputs for both runs; ``step`` picks what happens."""
    feeds = {
        0: [record(key="r-07")],
        1: [record(key="r-08"), record(key="r-11", labels={"team": "t-3"})],
        2: [record(key="r-07", observed=0.01, day=1)],
        3: [record(key="r-08", status="resolved", day=1)],
        4: [record(key="r-07", observed=0.001, day=2)],
        5: [record(key="r-07", status="resolved", day=3), record(key="r-11", day=1)],
    }
    for rec in feeds.get(step, []):
        rig.feed(rec)
    return rig.advance(200)


def summary(sent: list[Notification]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(n.notification_id, n.reason.value, tuple(a.status for a in n.alerts)) for n in sent]


def test_state_round_trips_through_json_and_continues_identically() -> None:
    straight = Rig(SUB)
    restarted = Rig(SUB)
    for step in range(3):
        assert summary(script(straight, step)) == summary(script(restarted, step))
    state = json.loads(json.dumps(restarted.dispatcher.to_dict()))
    book = AlertBook.from_dict(json.loads(json.dumps(restarted.book.to_dict())))
    restarted.book = book
    restarted.dispatcher = Dispatcher.from_dict(
        state, restarted.subs, book, restarted.silences, restarted.inhibitor
    )
    assert restarted.dispatcher.to_dict() == straight.dispatcher.to_dict()
    seen: list[str] = []
    for step in range(3, 9):
        a, b = script(straight, step), script(restarted, step)
        assert summary(a) == summary(b)
        seen += [n.reason.value for n in a]
    assert {"repeat", "update", "resolved"} <= set(seen)


def test_state_is_small() -> None:
    rig = Rig(SUB)
    for i in range(20):
        rig.feed(record(key=f"r-{i:02d}", drilldown=()))
    rig.advance(60)
    size = len(json.dumps(rig.dispatcher.to_dict()))
    assert size < 2500, size


def test_unknown_state_version_is_refused() -> None:
    rig = Rig(SUB)
    try:
        Dispatcher.from_dict({"version": 99, "groups": []}, rig.subs, rig.book)
    except ValueError as exc:
        assert "version" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_notification_id_is_stable_and_depends_on_content() -> None:
    def first() -> Notification:
        rig = Rig(SUB)
        rig.feed(record())
        [sent] = rig.advance(30)
        return sent

    one, two = first(), first()
    assert one.notification_id == two.notification_id
    assert len(one.notification_id) == 64
    other = Notification(
        one.subscription_id,
        one.group_key,
        one.group_labels,
        one.alerts,
        NotifyReason.REPEAT,
        one.created_at,
    )
    assert other.notification_id != one.notification_id
    later = Notification(
        one.subscription_id,
        one.group_key,
        one.group_labels,
        one.alerts,
        one.reason,
        one.created_at.replace(year=2030),
    )
    assert later.notification_id == one.notification_id  # the decision, not when it was made


def test_notification_round_trips() -> None:
    rig = Rig(SUB)
    rig.feed(record())
    [sent] = rig.advance(30)
    again = Notification.from_dict(json.loads(json.dumps(sent.to_dict())))
    assert again == sent
    assert again.notification_id == sent.notification_id


def test_repeats_of_unchanged_alerts_get_distinct_ids() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60, repeat_interval=600, renotify_change=0))
    rig.feed(record())
    first = rig.advance(1)
    repeats = rig.advance(1200)
    assert [n.reason for n in repeats] == [NotifyReason.REPEAT, NotifyReason.REPEAT]
    ids = {n.notification_id for n in first + repeats}
    assert len(ids) == 3
    assert [n.sequence for n in first + repeats] == [0, 1, 2]


def test_a_restart_from_a_snapshot_taken_before_a_send_repeats_its_id() -> None:
    rig = Rig(SUB)
    rig.feed(record())
    rig.advance(29)
    state = json.loads(json.dumps(rig.dispatcher.to_dict()))
    book = AlertBook.from_dict(rig.book.to_dict())
    [sent] = rig.advance(1)
    restarted = Dispatcher.from_dict(state, rig.subs, book)
    [again] = restarted.tick(rig.now + timedelta(seconds=5))
    assert again.notification_id == sent.notification_id
