"""Silences, inhibition and quiet hours: recorded and counted, not sent; held, then sent."""

from __future__ import annotations

from datetime import timedelta

from alerts.config import Silence
from alerts.inhibit import Inhibitor, default_inhibit_rules
from alerts.notification import NotifyReason
from tests.alerts.factories import T0, Rig, record, subscription


def silence(rig: Rig, hours: float = 1, *matchers: str) -> Silence:
    return rig.silences.add(
        Silence(
            matchers=list(matchers) or ["kpi=win_rate"],
            starts_at=rig.now,
            ends_at=rig.now + timedelta(hours=hours),
            created_by="ops",
            comment="known issue",
        )
    )


def test_a_silenced_alert_is_marked_and_counted_but_not_sent() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60))
    made = silence(rig, 1)
    rig.feed(record())
    assert rig.advance(1800) == []
    alert = rig.book.get(record().fingerprint)
    assert alert.silenced_by == (made.id,)
    assert [c.event for c in alert.history] == ["firing", "silenced"]
    assert rig.dispatcher.stats.silenced == 1
    sent = rig.advance(1800 + 60)  # the silence ends after an hour: it goes out then
    assert [n.reason for n in sent] == [NotifyReason.FIRING]
    assert rig.book.get(record().fingerprint).silenced_by == ()
    assert rig.book.get(record().fingerprint).history[-1].event == "unsilenced"


def test_a_silenced_alert_that_resolves_sends_nothing() -> None:
    rig = Rig(subscription(group_wait=0, group_interval=60))
    silence(rig, 2)
    rig.feed(record())
    rig.advance(120)
    rig.feed(record(day=1, status="resolved"))
    assert rig.advance(3 * 3600) == []
    assert rig.dispatcher.groups == []


def test_only_matching_alerts_are_silenced() -> None:
    rig = Rig(subscription(group_wait=0))
    silence(rig, 1, "key=r-07")
    rig.feed(record(key="r-07"))
    rig.feed(record(key="r-08"))
    [sent] = rig.advance(1)
    assert [a.record.key for a in sent.alerts] == ["r-08"]


def test_a_critical_company_alert_inhibits_warnings_of_the_same_kpi() -> None:
    rig = Rig(
        subscription(group_wait=0, group_by=["kpi"]),
        inhibitor=Inhibitor(default_inhibit_rules()),
    )
    company = record(dimension="company", key="all", severity="critical", labels={})
    rig.feed(company)
    rig.feed(record(key="r-07", severity="warning"))
    rig.feed(record(kpi="revenue", key="r-07", severity="warning", unit="money"))
    sent = rig.advance(1)
    told = sorted((a.record.kpi, a.record.key) for n in sent for a in n.alerts)
    assert told == [("revenue", "r-07"), ("win_rate", "all")]
    inhibited = rig.book.get(record(key="r-07").fingerprint)
    assert inhibited.inhibited_by == company.fingerprint
    assert inhibited.history[-1].event == "inhibited"
    assert rig.dispatcher.stats.inhibited == 1


def test_inhibition_lifts_when_the_source_resolves() -> None:
    rig = Rig(
        subscription(group_wait=0, group_interval=60, group_by=["dimension"]),
        inhibitor=Inhibitor(default_inhibit_rules()),
    )
    rig.feed(record(dimension="company", key="all", severity="critical", labels={}))
    rig.feed(record(key="r-07", severity="warning"))
    assert len(rig.advance(1)) == 1
    rig.feed(
        record(
            dimension="company", key="all", severity="critical", labels={}, day=1, status="resolved"
        )
    )
    sent = rig.advance(60)
    assert sorted((n.reason, n.alerts[0].record.key) for n in sent) == [
        (NotifyReason.FIRING, "r-07"),
        (NotifyReason.RESOLVED, "all"),
    ]


def night() -> dict[str, str]:
    return {"start": "22:00", "end": "07:00", "timezone": "UTC"}


def test_quiet_hours_hold_notifications_until_the_window_ends() -> None:
    rig = Rig(subscription(group_wait=30, quiet_hours=night()))
    rig.now = T0.replace(hour=23)
    rig.feed(record())
    assert rig.advance(3600) == []
    assert rig.dispatcher.stats.held == 1
    sent = rig.jump((T0.replace(hour=7) + timedelta(days=1) - rig.now).total_seconds())
    assert [n.reason for n in sent] == [NotifyReason.FIRING]
    assert sent[0].created_at.hour == 7


def test_an_alert_held_in_quiet_hours_is_not_lost_when_it_resolves() -> None:
    rig = Rig(subscription(group_wait=30, quiet_hours=night()))
    rig.now = T0.replace(hour=23)
    rig.feed(record(day=0))
    rig.advance(60)
    rig.feed(record(day=1, status="resolved"))
    rig.advance(3600)
    release = T0.replace(hour=7) + timedelta(days=1)
    sent = rig.jump((release - rig.now).total_seconds())
    assert [(n.reason, n.alerts[0].status) for n in sent] == [(NotifyReason.RESOLVED, "resolved")]
    assert rig.dispatcher.stats.flapping == 0


def test_outside_quiet_hours_nothing_is_held() -> None:
    rig = Rig(subscription(group_wait=30, quiet_hours=night()))
    rig.now = T0.replace(hour=12)
    rig.feed(record())
    assert len(rig.advance(30)) == 1
    assert rig.dispatcher.stats.held == 0
