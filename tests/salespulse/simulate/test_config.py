"""Options are validated once, with messages that name the problem."""

from __future__ import annotations

import json
from datetime import date

import pytest

from salespulse.simulate import AnomalyKind, SimulationConfig, parse_anomalies, simulate
from salespulse.simulate.anomalies import write_labels


def test_parse_anomalies_accepts_names_in_any_order_and_all() -> None:
    assert parse_anomalies("churn_spike, win_rate_collapse") == (
        AnomalyKind.WIN_RATE_COLLAPSE, AnomalyKind.CHURN_SPIKE)
    assert parse_anomalies("all") == tuple(AnomalyKind)
    assert parse_anomalies("") == parse_anomalies(None) == ()


def test_parse_anomalies_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown anomaly kind 'churn'"):
        parse_anomalies("churn")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": 0}, "days must be between"),
        ({"scale": 0}, "scale must be in"),
        ({"scale": -1.0}, "scale must be in"),
        ({"opening_customers": -5}, "must not be negative"),
        ({"anomalies": (AnomalyKind.CHURN_SPIKE, AnomalyKind.CHURN_SPIKE)}, "listed twice"),
    ],
)
def test_config_rejects_bad_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulationConfig(**kwargs)


def test_opening_book_follows_scale_unless_given() -> None:
    assert SimulationConfig(scale=0.5).opening_book == 6000
    assert SimulationConfig(scale=0.5, opening_customers=10).opening_book == 10


def test_start_date_moves_the_whole_stream() -> None:
    config = SimulationConfig(seed=1, days=3, start=date(2026, 6, 15), scale=0.1)
    events = list(simulate(config).events)
    assert min(e.time for e in events if e.type == "lead.created").date() == date(2026, 6, 15)
    assert max(e.time for e in events).date() == date(2026, 6, 17)


def test_short_periods_still_get_a_window_inside_them() -> None:
    config = SimulationConfig(days=2, anomalies=tuple(AnomalyKind))
    for label in simulate(config).labels:
        assert date(2026, 1, 1) < label.start.date() < label.end.date() <= date(2026, 1, 3)


def test_labels_file_is_a_json_list_of_label_objects(tmp_path) -> None:
    labels = simulate(SimulationConfig(days=30, anomalies=(AnomalyKind.CHURN_SPIKE,))).labels
    path = tmp_path / "labels.json"
    write_labels(path, labels)
    [label] = json.loads(path.read_text())
    assert set(label) == {"kind", "kpi", "dimension", "key", "start", "end"}
    assert label["kind"] == "churn_spike" and label["kpi"] == "churn_rate"
    assert label["start"].endswith("+03:00") and label["start"] < label["end"]
