"""Drill-down: which children explain a parent's move, weighted by their denominators."""

from __future__ import annotations

import pytest

from detectors.drilldown import Judged, children_of, contributions

TEAMS = {"r1": "t1", "r2": "t1", "r3": "t1", "r4": "t2"}


SeriesId = tuple[str, str, str, str]


def rate(
    kpi: str, dim: str, key: str, won: float, closed: float, expected: float
) -> tuple[SeriesId, Judged]:
    return (kpi, dim, key, "7d"), Judged(won / closed, expected, closed)


def win_rates(reps: dict[str, tuple[int, int]]) -> dict[SeriesId, Judged]:
    """Reps' and teams' win rates, each expected at 30 %, the teams pooled from their reps."""
    judged = dict(rate("win_rate", "rep", r, w, n, 0.3) for r, (w, n) in reps.items())
    for team in sorted(set(TEAMS.values())):
        members = [reps[r] for r in reps if TEAMS[r] == team]
        won, closed = sum(w for w, _ in members), sum(n for _, n in members)
        sid, value = rate("win_rate", "team", team, won, closed, 0.3)
        judged[sid] = value
    return judged


def test_team_to_reps_a_single_rep_explains_the_whole_move() -> None:
    judged = win_rates({"r1": (18, 60), "r2": (2, 60), "r3": (18, 60), "r4": (18, 60)})
    found = contributions(("win_rate", "team", "t1", "7d"), judged, TEAMS)
    assert [(c.dimension, c.key) for c in found] == [("rep", "r2")]
    assert found[0].share == pytest.approx(1.0)
    assert found[0].observed == pytest.approx(2 / 60) and found[0].expected == 0.3
    assert found[0].delta == pytest.approx(2 / 60 - 0.3)


def test_team_to_reps_shares_are_weighted_by_the_denominator() -> None:
    """Two reps fall to 10 %: the one over 60 deals moves the team 6x more than the one over 10."""
    judged = win_rates({"r1": (6, 60), "r2": (1, 10), "r3": (18, 60), "r4": (18, 60)})
    found = {c.key: c.share for c in contributions(("win_rate", "team", "t1", "7d"), judged, TEAMS)}
    assert set(found) == {"r1", "r2"}
    assert found["r1"] == pytest.approx(6 * found["r2"], rel=1e-3)
    assert sum(found.values()) == pytest.approx(1.0, abs=1e-3)


def test_children_moving_against_the_parent_are_left_out_and_push_shares_above_one() -> None:
    judged = win_rates({"r1": (0, 60), "r2": (30, 60), "r3": (18, 60), "r4": (18, 60)})
    found = contributions(("win_rate", "team", "t1", "7d"), judged, TEAMS)
    assert [c.key for c in found] == ["r1"]
    assert found[0].share == pytest.approx(18 / 6)  # team gap −6 wins, r1 −18, r2 +12


def test_a_sum_weighs_every_child_alike_and_ranks_by_share() -> None:
    judged = {
        ("revenue", "team", "t1", "7d"): Judged(700.0, 1000.0, 1.0),
        ("revenue", "rep", "r1", "7d"): Judged(100.0, 300.0, 1.0),
        ("revenue", "rep", "r2", "7d"): Judged(200.0, 300.0, 1.0),
        ("revenue", "rep", "r3", "7d"): Judged(400.0, 400.0, 1.0),
        ("revenue", "rep", "r4", "7d"): Judged(0.0, 900.0, 1.0),  # another team
    }
    found = contributions(("revenue", "team", "t1", "7d"), judged, TEAMS)
    assert [(c.key, c.share) for c in found] == [("r1", 0.6667), ("r2", 0.3333)]


def test_a_rep_gets_its_teams_breakdown() -> None:
    judged = win_rates({"r1": (18, 60), "r2": (2, 60), "r3": (18, 60), "r4": (0, 60)})
    for rep in ("r1", "r2"):
        found = contributions(("win_rate", "rep", rep, "7d"), judged, TEAMS)
        assert [c.key for c in found] == ["r2"]
    other_team = contributions(("win_rate", "rep", "r4", "7d"), judged, TEAMS)
    assert [c.key for c in other_team] == ["r4"]


def test_company_breaks_down_by_team_region_and_channel_only() -> None:
    judged = {
        ("orders", "company", "all", "7d"): Judged(60.0, 100.0, 1.0),
        ("orders", "team", "t1", "7d"): Judged(10.0, 50.0, 1.0),
        ("orders", "team", "t2", "7d"): Judged(50.0, 50.0, 1.0),
        ("orders", "region", "minsk", "7d"): Judged(20.0, 60.0, 1.0),
        ("orders", "channel", "paid", "7d"): Judged(30.0, 50.0, 1.0),
        ("orders", "rep", "r1", "7d"): Judged(0.0, 40.0, 1.0),
        ("orders", "campaign", "c1", "7d"): Judged(0.0, 40.0, 1.0),
        ("orders", "product", "crm", "7d"): Judged(0.0, 40.0, 1.0),
        ("orders", "team", "t1", "30d"): Judged(0.0, 400.0, 1.0),  # another window
        ("leads", "team", "t1", "7d"): Judged(0.0, 400.0, 1.0),  # another KPI
    }
    series = ("orders", "company", "all", "7d")
    assert set(children_of(series, judged, TEAMS)) == {
        ("orders", "team", "t1", "7d"),
        ("orders", "team", "t2", "7d"),
        ("orders", "region", "minsk", "7d"),
        ("orders", "channel", "paid", "7d"),
    }
    found = contributions(series, judged, TEAMS)
    assert [(c.dimension, c.key, c.share) for c in found] == [
        ("team", "t1", 1.0),
        ("region", "minsk", 1.0),
        ("channel", "paid", 0.5),
    ]


def test_at_most_five_children_are_named() -> None:
    judged = {("revenue", "company", "all", "7d"): Judged(0.0, 80.0, 1.0)}
    for i in range(8):
        judged[("revenue", "channel", f"c{i}", "7d")] = Judged(0.0, 10.0 + i, 1.0)
    found = contributions(("revenue", "company", "all", "7d"), judged, TEAMS)
    assert [c.key for c in found] == ["c7", "c6", "c5", "c4", "c3"]


def test_a_parent_without_a_gap_shares_by_absolute_moves() -> None:
    judged = win_rates({"r1": (12, 60), "r2": (24, 60), "r3": (18, 60), "r4": (18, 60)})
    found = contributions(("win_rate", "team", "t1", "7d"), judged, TEAMS)
    assert [(c.key, c.share) for c in found] == [("r2", 0.5)]


@pytest.mark.parametrize(
    "series,rep_team",
    [
        (("win_rate", "team", "t9", "7d"), TEAMS),  # the parent was not judged
        (("win_rate", "rep", "r9", "7d"), TEAMS),  # a rep of no known team
        (("win_rate", "rep", "r1", "7d"), {"r1": "t9"}),  # its team was not judged
        (("win_rate", "region", "minsk", "7d"), TEAMS),  # a dimension without children
        (("win_rate", "team", "t1", "30d"), TEAMS),  # no series of that window
    ],
)
def test_nothing_when_the_parent_or_its_children_are_unknown(
    series: SeriesId, rep_team: dict[str, str]
) -> None:
    judged = win_rates({"r1": (2, 60), "r2": (18, 60), "r3": (18, 60), "r4": (18, 60)})
    assert contributions(series, judged, rep_team) == ()
