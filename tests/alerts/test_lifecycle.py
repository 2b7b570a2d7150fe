"""AlertBook: one alert per fingerprint, state changes in a bounded history, retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from alerts.lifecycle import AlertBook
from alerts.model import HISTORY_LIMIT
from tests.alerts.factories import DAY0, T0, record


def test_records_of_one_incident_update_one_alert() -> None:
    book = AlertBook()
    first = book.apply(record(day=0), T0)
    again = book.apply(record(day=1, observed=0.04), T0 + timedelta(days=1))
    assert first is again and len(book) == 1
    assert again.record.observed == 0.04
    assert again.status == "firing" and again.resolved_at is None
    assert [c.event for c in again.history] == ["firing"]


def test_transitions_are_noted() -> None:
    book = AlertBook()
    book.apply(record(day=0), T0)
    book.apply(record(day=1, severity="critical"), T0)
    alert = book.apply(record(day=2, status="resolved"), T0)
    assert alert.resolved_at == DAY0 + timedelta(days=2)
    alert = book.apply(record(day=3, first_day=3), T0)
    assert [c.event for c in alert.history] == ["firing", "severity", "resolved", "firing"]
    assert alert.history[1].detail == "warning -> critical"
    assert alert.resolved_at is None
    assert alert.labels["status"] == "firing"


def test_an_older_record_is_ignored() -> None:
    book = AlertBook()
    book.apply(record(day=5, observed=0.02), T0)
    alert = book.apply(record(day=4, observed=0.9, status="resolved"), T0)
    assert alert.record.observed == 0.02 and alert.status == "firing"


def test_history_is_bounded() -> None:
    book = AlertBook()
    for day in range(HISTORY_LIMIT * 2):
        status = "firing" if day % 2 == 0 else "resolved"
        alert = book.apply(record(day=day, status=status), T0)
    assert len(alert.history) == HISTORY_LIMIT


def test_query_filters_and_orders_newest_first() -> None:
    book = AlertBook()
    book.apply(record(key="r-01", day=1), T0)
    book.apply(record(key="r-02", day=2, severity="critical"), T0)
    book.apply(record(key="r-03", day=3, status="resolved"), T0)
    book.apply(record(kpi="revenue", key="r-04", day=4, unit="money"), T0)
    assert [a.record.key for a in book.query()] == ["r-04", "r-03", "r-02", "r-01"]
    assert [a.record.key for a in book.query(status="firing", kpi="win_rate")] == ["r-02", "r-01"]
    assert [a.record.key for a in book.query(severity="critical")] == ["r-02"]
    assert [a.record.key for a in book.query(key="r-03", dimension="rep")] == ["r-03"]
    assert [a.record.key for a in book.query(since=DAY0 + timedelta(days=3))] == ["r-04", "r-03"]
    assert len(book.query(limit=2)) == 2


def test_resolved_alerts_are_forgotten_after_retention() -> None:
    book = AlertBook(resolved_retention=3600)
    book.apply(record(key="r-01", status="resolved"), T0)
    book.apply(record(key="r-02"), T0)
    assert book.gc(T0 + timedelta(seconds=3599)) == 0
    assert book.gc(T0 + timedelta(seconds=3601)) == 1
    assert [a.record.key for a in book] == ["r-02"]


def test_max_alerts_evicts_resolved_then_oldest() -> None:
    book = AlertBook(max_alerts=2)
    book.apply(record(key="r-01"), T0)
    book.apply(record(key="r-02", status="resolved"), T0 + timedelta(seconds=1))
    book.apply(record(key="r-03"), T0 + timedelta(seconds=2))
    assert sorted(a.record.key for a in book) == ["r-01", "r-03"]
    book.apply(record(key="r-04"), T0 + timedelta(seconds=3))
    assert sorted(a.record.key for a in book) == ["r-03", "r-04"]


def test_mute_marks_note_history_only_on_change() -> None:
    book = AlertBook()
    fp = book.apply(record(), T0).fingerprint
    assert book.set_muted(fp, ("s1",), None, T0)
    assert not book.set_muted(fp, ("s1",), None, T0)
    assert book.set_muted(fp, (), "abc", T0)
    events = [c.event for c in book.get(fp).history]
    assert events == ["firing", "silenced", "unsilenced", "inhibited"]
    assert not book.set_muted("0" * 16, (), None, T0)


def test_book_round_trips_through_json() -> None:
    book = AlertBook()
    book.apply(record(key="r-01"), T0)
    book.apply(record(key="r-01", day=1, status="resolved"), T0)
    book.set_muted(record(key="r-01").fingerprint, ("s1",), None, T0)
    again = AlertBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert again.to_dict() == book.to_dict()


@pytest.mark.parametrize("kwargs", [{"resolved_retention": -1}, {"max_alerts": 0}])
def test_bad_bounds_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AlertBook(**kwargs)  # type: ignore[arg-type]
