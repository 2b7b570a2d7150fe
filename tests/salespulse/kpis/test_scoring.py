"""KPI 12: the online opportunity scorer learns, calibrates, ranks and pickles."""

from __future__ import annotations

import doctest
import json
import math
import pickle
import random
from collections.abc import Iterator
from typing import Any

import pytest

from salespulse.kpis import scoring
from salespulse.kpis.scoring import CalibrationReport, OpportunityFeatures, OpportunityScorer

STAGE_LOGIT = {"discovery": -1.2, "proposal": 0.0, "negotiation": 1.2}
CHANNEL_LOGIT = {"web": 0.2, "partner": 0.0, None: -0.2}
PRODUCT_LOGIT = {"crm": 0.0, "erp": -0.3, "bi": 0.2}
Sample = tuple[OpportunityFeatures, bool]


def true_probability(f: OpportunityFeatures, skill: float) -> float:
    logit = (-0.6 + STAGE_LOGIT[f.stage] + CHANNEL_LOGIT[f.channel] + PRODUCT_LOGIT[f.product]
             - 0.5 * (math.log(f.amount) - 8.5) + skill)
    return 1 / (1 + math.exp(-logit))


def synthetic(seed: int, n: int) -> Iterator[tuple[OpportunityFeatures, bool, float]]:
    """Outcomes whose odds truly depend on stage, amount, channel, product and rep skill."""
    rng = random.Random(seed)
    skills = [rng.gauss(0, 0.8) for _ in range(12)]
    record = [[0, 0] for _ in skills]
    for _ in range(n):
        rep = rng.randrange(len(skills))
        f = OpportunityFeatures(
            stage=rng.choice(list(STAGE_LOGIT)), amount=math.exp(rng.gauss(8.5, 1.0)),
            age_days=rng.uniform(1, 90), channel=rng.choice(list(CHANNEL_LOGIT)),
            product=rng.choice(list(PRODUCT_LOGIT)), rep_wins=record[rep][0],
            rep_losses=record[rep][1],
        )
        p = true_probability(f, skills[rep])
        won = rng.random() < p
        record[rep][0 if won else 1] += 1
        yield f, won, p


def trained(samples: list[Sample], **params: Any) -> OpportunityScorer:
    scorer = OpportunityScorer(**params)
    for features, won in samples:
        scorer.learn(features, won)
    return scorer


def baseline_briers(outcomes: list[bool]) -> tuple[float, float]:
    """Prequential Beta(1,1) base rate, and the constant final base rate (with hindsight)."""
    wins, total = 0, 0.0
    for n, won in enumerate(outcomes):
        total += ((wins + 1) / (n + 2) - won) ** 2
        wins += won
    rate = wins / len(outcomes)
    return total / len(outcomes), rate * (1 - rate)


@pytest.fixture(scope="module")
def stream() -> list[Sample]:
    return [(f, won) for f, won, _ in synthetic(1, 3000)]


@pytest.fixture(scope="module")
def scorer(stream: list[Sample]) -> OpportunityScorer:
    return trained(stream)


def test_docstring_example_runs() -> None:
    assert doctest.testmod(scoring, raise_on_error=False).failed == 0


@pytest.mark.parametrize(
    "params",
    [
        {"learning_rate": 0.0}, {"learning_rate": -0.1}, {"learning_rate": math.nan},
        {"learning_rate": math.inf}, {"l2": -1e-4}, {"l2": math.nan}, {"warmup": -1},
        {"warmup": 2.5}, {"warmup": True}, {"seed": -1}, {"seed": "0"},
    ],
)
def test_rejects_bad_parameters(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        OpportunityScorer(**params)


def test_beats_the_base_rate_on_a_stream_with_signal(
    stream: list[Sample], scorer: OpportunityScorer
) -> None:
    report = scorer.calibration()
    prequential, hindsight = baseline_briers([won for _, won in stream])
    assert report.n == scorer.outcomes == 3000
    assert report.baseline_brier == pytest.approx(prequential)
    assert report.brier is not None and report.brier < 0.85 * prequential
    assert report.brier < hindsight - 0.03
    assert report.log_loss is not None and report.log_loss < -math.log(0.5)


def test_reliability_bins_are_roughly_monotone(scorer: OpportunityScorer) -> None:
    bins = [b for b in scorer.calibration().bins if b.count >= 50]
    rates = [b.observed_rate for b in bins]
    assert len(bins) >= 6
    assert all(r is not None for r in rates)
    assert all(b >= a - 0.05 for a, b in zip(rates, rates[1:]))  # type: ignore[operator]
    assert rates[-1] - rates[0] > 0.5  # type: ignore[operator]
    for b in bins:  # calibrated, not only ordered
        assert abs(b.mean_predicted - b.observed_rate) < 0.1  # type: ignore[operator]


def test_report_is_json_ready(scorer: OpportunityScorer) -> None:
    data = json.loads(json.dumps(scorer.calibration().to_dict()))
    assert set(data) == {"n", "brier", "log_loss", "base_rate", "baseline_brier", "bins"}
    assert [b["lo"] for b in data["bins"]] == pytest.approx([i / 10 for i in range(10)])
    assert sum(b["count"] for b in data["bins"]) == 3000
    empty = OpportunityScorer().calibration()
    assert empty == CalibrationReport(0, None, None, None, None, empty.bins)
    assert all(b.count == 0 and b.observed_rate is None for b in empty.bins)


def test_scores_rank_and_are_balanced(scorer: OpportunityScorer) -> None:
    fresh = [f for f, _, _ in synthetic(99, 2000)]
    scores = [scorer.score(f) for f in fresh]
    assert set(scores) <= {1, 2, 3, 4, 5}
    assert all(type(s) is int for s in scores)
    shares = [scores.count(level) / len(scores) for level in range(1, 6)]
    assert all(0.1 <= share <= 0.3 for share in shares), shares
    good = OpportunityFeatures("negotiation", 20_000.0, 30.0, "web", "bi", 40, 10)
    poor = OpportunityFeatures("discovery", 2_000.0, 30.0, None, "erp", 10, 40)
    assert scorer.probability(good) > 0.7 > 0.1 > scorer.probability(poor)
    assert (scorer.score(good), scorer.score(poor)) == (5, 1)
    assert scorer.expected_value(good) == pytest.approx(scorer.probability(good) * 20_000.0)


def test_higher_true_expected_value_scores_higher_on_average(scorer: OpportunityScorer) -> None:
    rows = [(p * f.amount, scorer.score(f)) for f, _, p in synthetic(98, 2000)]
    rows.sort()
    low = sum(score for _, score in rows[:400]) / 400
    high = sum(score for _, score in rows[-400:]) / 400
    assert high - low > 2.5


def test_deterministic_for_a_seed(stream: list[Sample]) -> None:
    first, second = trained(stream[:800], seed=3), trained(stream[:800], seed=3)
    assert first.calibration() == second.calibration()
    assert [first.probability(f) for f, _ in stream[800:900]] == [
        second.probability(f) for f, _ in stream[800:900]
    ]


def test_pickle_round_trip_preserves_predictions(
    stream: list[Sample], scorer: OpportunityScorer
) -> None:
    blob = pickle.dumps(scorer)
    assert len(blob) < 4096  # a few KB: stored per tenant, not per opportunity
    copy = pickle.loads(blob)  # noqa: S301 - our own bytes
    probe = [f for f, _ in stream[:200]]
    assert [copy.probability(f) for f in probe] == [scorer.probability(f) for f in probe]
    assert [copy.score(f) for f in probe] == [scorer.score(f) for f in probe]
    assert copy.calibration() == scorer.calibration()
    original = pickle.loads(blob)  # noqa: S301 - learn on two copies, not on the fixture
    for f, won in stream[:50]:
        copy.learn(f, won)
        original.learn(f, won)
    assert [copy.probability(f) for f in probe] == [original.probability(f) for f in probe]


def test_before_warmup_the_probability_is_the_smoothed_base_rate(stream: list[Sample]) -> None:
    scorer = OpportunityScorer(warmup=10)
    probe = OpportunityFeatures("negotiation", 50_000.0, 3.0, "web", "bi", 9, 0)
    assert scorer.probability(probe) == 0.5
    wins = 0
    for n, (f, won) in enumerate(stream[:10]):
        assert scorer.probability(f) == scorer.probability(probe) == (wins + 1) / (n + 2)
        assert scorer.score(probe) == 1 + min(4, int((wins + 1) / (n + 2) * 5))
        scorer.learn(f, won)
        wins += won
    assert scorer.outcomes == 10
    assert scorer.probability(probe) != (wins + 1) / 12  # the model has taken over


# -- the project's simulator ------------------------------------------------------------


def simulator_samples(events: list[Any], at_close: bool) -> list[Sample]:
    """Features of every closed opportunity, as at its close or as at its creation."""
    opps: dict[str, dict[str, Any]] = {}
    record: dict[str, tuple[int, int]] = {}
    out: list[Sample] = []
    for event in events:
        data = event.data
        if event.type == "opportunity.created":
            opps[data.opportunity_id] = {
                "stage": data.stage, "first_stage": data.stage, "created": event.time,
                "amount": float(data.amount), "channel": data.channel,
                "product": data.product, "rep": data.rep,
                "record": record.get(data.rep, (0, 0)),
            }
        elif event.type == "opportunity.stage_changed" and data.opportunity_id in opps:
            opps[data.opportunity_id]["stage"] = data.to_stage
        elif event.type in ("opportunity.won", "opportunity.lost"):
            opp = opps.pop(data.opportunity_id, None)
            if opp is None:
                continue
            won = event.type == "opportunity.won"
            wins, losses = record.get(opp["rep"], (0, 0))
            age = (event.time - opp["created"]).total_seconds() / 86400
            features = OpportunityFeatures(
                opp["stage"], opp["amount"], age, opp["channel"], opp["product"], wins, losses
            ) if at_close else OpportunityFeatures(
                opp["first_stage"], opp["amount"], 0.0, opp["channel"], opp["product"],
                *opp["record"],
            )
            out.append((features, won))
            record[opp["rep"]] = (wins + won, losses + (not won))
    return out


@pytest.fixture(scope="module")
def simulated_events() -> list[Any]:
    from salespulse.simulate import SimulationConfig, simulate

    return list(simulate(SimulationConfig(seed=1, days=90)).events)


def test_beats_the_base_rate_on_the_simulator(simulated_events: list[Any]) -> None:
    """Stage at close carries most of the signal there (wins close from negotiation)."""
    samples = simulator_samples(simulated_events, at_close=True)
    report = trained(samples).calibration()
    prequential, _ = baseline_briers([won for _, won in samples])
    assert report.n > 5000
    assert report.brier is not None and report.brier < prequential - 0.05


def test_not_worse_than_the_base_rate_at_creation_on_the_simulator(
    simulated_events: list[Any],
) -> None:
    """At creation only the rep's record carries signal, and little: do no harm."""
    samples = simulator_samples(simulated_events, at_close=False)
    report = trained(samples).calibration()
    prequential, _ = baseline_briers([won for _, won in samples])
    assert report.brier is not None and report.brier < prequential + 0.01


def test_one_pass_over_the_deals_scores_every_series_as_a_pass_per_series_did() -> None:
    from itertools import islice

    from salespulse.kpis import KpiConfig
    from salespulse.kpis.compute import opportunity_scores
    from salespulse.kpis.engine import KpiEngine
    from salespulse.simulate import SimulationConfig, simulate

    engine = KpiEngine(KpiConfig())
    for event in islice(simulate(SimulationConfig(seed=4, days=30, scale=0.3)).events, 20_000):
        engine.apply(event)
    moment = engine.watermark
    assert moment is not None
    found = opportunity_scores(engine)
    assert {s[0] for s in found} == {"company", "team", "rep"}
    for series, result in found.items():
        scores = [
            engine.scorer.score(engine.features(opp, moment))
            for opp in engine.opportunities.values()
            if not opp.closed and series in opp.dims
        ]
        assert result == (sum(scores), len(scores), sum(scores) / len(scores) if scores else None)
    assert found[("company", "all")][1] > 0
