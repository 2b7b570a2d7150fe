"""Detector quality on simulated streams with labelled anomalies (``salespulse bench-detectors``).

For each seed the simulator runs twice: with every anomaly kind injected, and clean.
Both go through the backtest with the default detector policy, exactly as live.

- **Recall / delay** per label: the label's series (KPI, dimension, key) has an incident
  that starts inside the label's window or up to ``GRACE_DAYS`` after its end; the delay
  is the incident's first day minus the window's first day.
- **Precision** (counterfactual): an incident of an anomalous run is true when it starts
  inside a label's window (+ grace) and the clean run of the same seed has no incident
  on that series starting within ``GRACE_DAYS`` of it: it was caused by an injected
  anomaly, whatever series it is on (a rep's collapse also moves the team's win rate,
  the rep's revenue, the company's pipeline). Everything else is false.
  ``entity_precision`` only counts incidents on the labelled entities and their parents
  (rep -> team -> company); ``strict_precision`` only those on the labelled series.
- **False alerts** on the clean runs: incidents per 100 judged series per 30 days, for
  all severities and for ``warning`` and above (what default subscriptions receive).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from detectors.monitor import KpiMonitor
from detectors.record import AnomalyRecord
from salespulse.kpis import KpiConfig, backtest
from salespulse.simulate import SimulationConfig, simulate
from salespulse.simulate.anomalies import Anomaly
from salespulse.simulate.config import AnomalyKind

GRACE_DAYS = 7
#: Label KPI ids that the engine publishes under another name.
KPI_OF_LABEL = {"opportunity_win_ratio": "win_rate"}
SEVERE = ("warning", "critical")


@dataclass(frozen=True, slots=True)
class RunResult:
    seed: int
    anomalous: bool
    labels: tuple[Anomaly, ...]
    incidents: tuple[AnomalyRecord, ...]  # the first record of each incident
    rep_team: dict[str, str]
    series: int
    days: int
    state_bytes: int


def run_one(seed: int, days: int, scale: float, anomalous: bool) -> RunResult:
    kinds = tuple(AnomalyKind) if anomalous else ()
    simulation = simulate(SimulationConfig(seed=seed, days=days, scale=scale, anomalies=kinds))
    monitor = KpiMonitor()
    result = backtest(simulation.events, KpiConfig(), scores=False, monitor=monitor)
    seen: set[tuple[str, str]] = set()
    incidents = []
    for record in result.anomalies:
        mark = (record.fingerprint, record.first_seen.isoformat())
        if record.status == "firing" and mark not in seen:
            seen.add(mark)
            incidents.append(record)
    judged = sum(1 for s in monitor.series.values() if s is not None)
    return RunResult(
        seed,
        anomalous,
        tuple(simulation.labels),
        tuple(incidents),
        dict(result.engine.rep_team),
        judged,
        days,
        sum(monitor.state_bytes().values()),
    )


def _series_of(label: Anomaly) -> tuple[str, str, str]:
    """The engine's (KPI, dimension, key) of a label (the company's key is ``all``)."""
    key = "all" if label.dimension == "company" else label.key
    return KPI_OF_LABEL.get(label.kpi, label.kpi), label.dimension, key


def _label_hit(label: Anomaly, incidents: Iterable[AnomalyRecord]) -> AnomalyRecord | None:
    series = _series_of(label)
    start, end = label.start.date(), label.end.date() + timedelta(days=GRACE_DAYS)
    hits = [
        r
        for r in incidents
        if (r.kpi, r.dimension, r.key) == series and start <= r.first_seen.date() <= end
    ]
    return min(hits, key=lambda r: r.first_seen, default=None)


def _explained(record: AnomalyRecord, labels: Iterable[Anomaly], rep_team: dict[str, str]) -> bool:
    day = record.first_seen.date()
    for label in labels:
        if not label.start.date() <= day <= label.end.date() + timedelta(days=GRACE_DAYS):
            continue
        related = {_series_of(label)[1:], ("company", "all")}
        if label.dimension == "rep" and label.key in rep_team:
            related.add(("team", rep_team[label.key]))
        if (record.dimension, record.key) in related:
            return True
    return False


def _strict(record: AnomalyRecord, labels: Iterable[Anomaly]) -> bool:
    return any(_label_hit(label, [record]) is record for label in labels)


def _caused(record: AnomalyRecord, run: RunResult, clean: RunResult | None) -> bool:
    day = record.first_seen.date()
    if not any(
        label.start.date() <= day <= label.end.date() + timedelta(days=GRACE_DAYS)
        for label in run.labels
    ):
        return False
    series = (record.kpi, record.dimension, record.key, record.window)
    return clean is None or not any(
        (i.kpi, i.dimension, i.key, i.window) == series
        and abs((i.first_seen.date() - day).days) <= GRACE_DAYS
        for i in clean.incidents
    )


def summarise(runs: list[RunResult]) -> dict[str, Any]:
    per_kind: dict[str, dict[str, Any]] = {}
    true = entity = strict = total = 0
    clean_of = {r.seed: r for r in runs if not r.anomalous}
    for run in (r for r in runs if r.anomalous):
        for label in run.labels:
            hit = _label_hit(label, run.incidents)
            entry = per_kind.setdefault(
                label.kind.value, {"labels": 0, "detected": 0, "delays": []}
            )
            entry["labels"] += 1
            if hit is not None:
                entry["detected"] += 1
                entry["delays"].append((hit.first_seen.date() - label.start.date()).days)
        total += len(run.incidents)
        true += sum(_caused(r, run, clean_of.get(run.seed)) for r in run.incidents)
        entity += sum(_explained(r, run.labels, run.rep_team) for r in run.incidents)
        strict += sum(_strict(r, run.labels) for r in run.incidents)
    labels = sum(e["labels"] for e in per_kind.values())
    detected = sum(e["detected"] for e in per_kind.values())
    delays = [d for e in per_kind.values() for d in e["delays"]]
    precision = true / total if total else 1.0
    recall = detected / labels if labels else 0.0
    clean = [r for r in runs if not r.anomalous]
    return {
        "seeds": sorted({r.seed for r in runs}),
        "days": runs[0].days if runs else 0,
        "precision": round(precision, 3),
        "entity_precision": round(entity / total, 3) if total else 1.0,
        "strict_precision": round(strict / total, 3) if total else 1.0,
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3)
        if precision + recall
        else 0.0,
        "median_delay_days": statistics.median(delays) if delays else None,
        "incidents_in_anomalous_runs": total,
        "per_kind": {
            kind: {
                "recall": round(e["detected"] / e["labels"], 3),
                "median_delay_days": statistics.median(e["delays"]) if e["delays"] else None,
                "labels": e["labels"],
            }
            for kind, e in sorted(per_kind.items())
        },
        "clean": _false_alerts(clean),
        "detector_state_bytes_per_series": _per_series(runs),
    }


def _false_alerts(clean: list[RunResult]) -> dict[str, Any]:
    if not clean:
        return {}
    series_days = sum(r.series * (r.days - 1) for r in clean)
    scale = 100 * 30 / series_days if series_days else 0.0
    every = sum(len(r.incidents) for r in clean)
    severe = sum(1 for r in clean for i in r.incidents if i.severity in SEVERE)
    return {
        "runs": len(clean),
        "series_per_run": round(statistics.mean(r.series for r in clean)),
        "incidents": every,
        "incidents_warning_or_above": severe,
        "false_alerts_per_100_series_per_30_days": round(every * scale, 3),
        "false_alerts_warning_or_above_per_100_series_per_30_days": round(severe * scale, 3),
    }


def _per_series(runs: list[RunResult]) -> float:
    series = sum(r.series for r in runs)
    return round(sum(r.state_bytes for r in runs) / series, 1) if series else 0.0


def run(
    seeds: Iterable[int], days: int = 90, scale: float = 1.0, workers: int = 2
) -> dict[str, Any]:
    jobs = [(seed, days, scale, anomalous) for seed in seeds for anomalous in (True, False)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(_job, jobs))
    return summarise(runs)


def _job(args: tuple[int, int, float, bool]) -> RunResult:
    return run_one(*args)
