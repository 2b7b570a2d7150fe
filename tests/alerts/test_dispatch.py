"""Dispatcher timing and grouping with a hand-driven clock (no sleeps)."""

from __future__ import annotations

from alerts.notification import NotifyReason
from tests.alerts.factories import Rig, record, subscription


def keys(notification) -> list[str]:
    return sorted(a.record.key for a in notification.alerts)


def test_alerts_of_one_team_within_group_wait_make_one_notification() -> None:
    rig = Rig()
    rig.feed(record(key="r-07"))
    assert rig.advance(10) == []
    rig.feed(record(key="r-08"))
    rig.feed(record(key="r-11", labels={"team": "t-3"}))
    sent = rig.advance(20)
    assert [(n.group_labels, keys(n)) for n in sent] == [({"team": "t-2"}, ["r-07", "r-08"])]
    later = rig.advance(10)  # the t-3 group started waiting 10 s later
    assert [(n.group_labels, keys(n)) for n in later] == [({"team": "t-3"}, ["r-11"])]
    assert {n.reason for n in sent + later} == {NotifyReason.FIRING}
    assert rig.advance(3600) == []


def test_group_wait_is_counted_from_the_first_alert() -> None:
    rig = Rig(subscription(group_wait=30))
    rig.feed(record())
    assert rig.advance(29) == []
    assert len(rig.advance(1)) == 1


def test_a_new_alert_in_a_told_group_waits_for_group_interval() -> None:
    rig = Rig(subscription(group_wait=30, group_interval=300))
    rig.feed(record(key="r-07"))
    assert len(rig.advance(30)) == 1
    rig.advance(60)
    rig.feed(record(key="r-08"))
    assert rig.advance(239) == []
    update = rig.advance(1)
    assert [n.reason for n in update] == [NotifyReason.UPDATE]
    assert keys(update[0]) == ["r-07", "r-08"]


def test_repeat_needs_repeat_interval_and_a_move_beyond_renotify_change() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60, repeat_interval=3600))
    rig.feed(record(observed=0.05, day=0))
    assert len(rig.advance(1)) == 1
    rig.feed(record(observed=0.052, day=1))  # 4 % move: below renotify_change 0.1
    assert rig.advance(4 * 3600) == []
    rig.feed(record(observed=0.03, day=2))  # 40 % move
    repeat = rig.advance(60)
    assert [n.reason for n in repeat] == [NotifyReason.REPEAT]
    rig.feed(record(observed=0.01, day=3))  # moved again, but repeat_interval not yet passed
    assert rig.advance(3000) == []
    assert [n.reason for n in rig.advance(600)] == [NotifyReason.REPEAT]


def test_renotify_change_zero_repeats_like_alertmanager() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60, repeat_interval=600, renotify_change=0))
    rig.feed(record())
    assert len(rig.advance(1)) == 1
    assert rig.advance(599) == []
    assert [n.reason for n in rig.advance(60)] == [NotifyReason.REPEAT]


def test_firing_then_resolved_within_group_wait_sends_nothing() -> None:
    rig = Rig(subscription(group_wait=30))
    rig.feed(record(day=0))
    rig.advance(10)
    rig.feed(record(day=1, status="resolved"))
    assert rig.advance(3600) == []
    assert rig.dispatcher.stats.flapping == 1
    assert rig.dispatcher.groups == []


def test_resolve_is_sent_once_then_the_group_is_gone() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=300))
    rig.feed(record(day=0))
    assert len(rig.advance(1)) == 1
    rig.feed(record(day=1, status="resolved", observed=0.3))
    resolved = rig.advance(300)
    assert [n.reason for n in resolved] == [NotifyReason.RESOLVED]
    assert resolved[0].alerts[0].status == "resolved"
    assert resolved[0].alerts[0].ends_at is not None
    assert rig.advance(86400) == []
    assert rig.dispatcher.groups == []


def test_partial_resolution_is_an_update_with_both_states() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60))
    rig.feed(record(key="r-07"))
    rig.feed(record(key="r-08"))
    rig.advance(1)
    rig.feed(record(key="r-07", status="resolved", day=1))
    [update] = rig.advance(60)
    assert update.reason is NotifyReason.UPDATE
    assert {(a.record.key, a.status) for a in update.alerts} == {
        ("r-07", "resolved"),
        ("r-08", "firing"),
    }


def test_more_severe_is_news_but_the_same_severity_is_not() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60))
    rig.feed(record(severity="warning"))
    rig.advance(1)
    rig.feed(record(severity="warning", day=1))
    assert rig.advance(60) == []
    rig.feed(record(severity="critical", day=2))
    assert [n.reason for n in rig.advance(60)] == [NotifyReason.UPDATE]


def test_min_severity_and_matchers_choose_the_alerts() -> None:
    rig = Rig(subscription(min_severity="critical", matchers=["region=~w.*"]))
    rig.feed(record(key="r-01", severity="warning"))
    rig.feed(record(key="r-02", severity="critical", labels={"team": "t-2", "region": "east"}))
    rig.feed(record(key="r-03", severity="critical"))
    [sent] = rig.advance(30)
    assert keys(sent) == ["r-03"]


def test_membership_sticks_so_a_downgraded_alert_still_resolves_where_it_fired() -> None:
    rig = Rig(subscription(min_severity="critical", group_wait=0, group_interval=60))
    rig.feed(record(severity="critical"))
    rig.advance(1)
    rig.feed(record(severity="warning", day=1))
    rig.feed(record(severity="warning", day=2, status="resolved"))
    assert [n.reason for n in rig.advance(60)] == [NotifyReason.RESOLVED]


def test_a_removed_subscription_drops_its_groups() -> None:
    rig = Rig()
    rig.feed(record())
    rig.subs.remove("sales-ops")
    assert rig.advance(60) == []
    assert rig.dispatcher.groups == []


def test_each_subscription_gets_its_own_groups() -> None:
    rig = Rig(subscription(), subscription(id="kpi-owners", name="KPI owners", group_by=["kpi"]))
    rig.feed(record(key="r-07"))
    rig.feed(record(key="r-11", labels={"team": "t-3"}))
    sent = rig.advance(30)
    assert sorted((n.subscription_id, len(n.alerts)) for n in sent) == [
        ("kpi-owners", 2),
        ("sales-ops", 1),
        ("sales-ops", 1),
    ]
    assert rig.dispatcher.stats.notifications["firing"] == 3


def test_next_due_is_the_earliest_group_flush() -> None:
    rig = Rig(subscription(group_wait=30))
    assert rig.dispatcher.next_due() is None
    rig.feed(record())
    assert (rig.dispatcher.next_due() - rig.now).total_seconds() == 30


def test_route_all_offers_firing_alerts_to_a_new_subscription() -> None:
    rig = Rig()
    rig.feed(record())
    assert len(rig.advance(30)) == 1
    rig.subs.add(subscription(id="late", name="Late", group_wait=0))
    assert rig.advance(60) == []
    rig.dispatcher.route_all(rig.now)
    [sent] = rig.advance(1)
    assert sent.subscription_id == "late" and sent.reason is NotifyReason.FIRING
