"""Judge every KPI series once per closed day and turn verdicts into anomaly records.

Each series (KPI, dimension, key, window) gets the detector its policy names on first
sight: a ``RollingWindow`` on the policy's window, ``PlanPacing`` on plan attainment, or
the catalogue rules on the rule window. Records are published on change only: a new
incident (``firing``), a severity escalation (``firing`` again, same fingerprint), and the
end (``resolved``, after ``resolve_after`` quiet days in a row, so a series hovering at
its band edge does not flap). The number of series is capped like the KPI engine's.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from detectors.base import Detector, Point, Verdict
from detectors.drilldown import Judged, contributions
from detectors.pacing import PlanPacing
from detectors.policy import DetectorPolicy, SeriesPolicy, load_policy
from detectors.profiles import build
from detectors.record import AnomalyRecord, DetectorFinding, MoneyImpact, fingerprint
from detectors.rules import NegativeStreak, ThresholdRule
from detectors.units import SEVERITIES, is_last_day_of_month, money_impact, unit_of
from detectors.window import RollingWindow
from salespulse.kpis.values import KpiValue

SeriesId = tuple[str, str, str, str]
__all__ = ["Incident", "KpiMonitor"]


@dataclass(slots=True)
class Incident:
    fingerprint: str
    direction: str
    severity: str
    first_seen: datetime
    last: AnomalyRecord
    quiet: int = 0
    days: int = 1
    published: bool = False


@dataclass(slots=True)
class _Series:
    detectors: tuple[Detector, ...]
    policy: SeriesPolicy
    month_end_only: bool = False
    rules_from: int = 0  # judged days before rules count: a 30-day window must be full
    seen: int = 0
    incident: Incident | None = None
    last: Verdict | None = None  # the last day's verdict: Prometheus draws the band from it


@dataclass
class KpiMonitor:
    policy: DetectorPolicy = field(default_factory=load_policy)
    currency: str = "BYN"
    max_series: int = 50_000
    resolve_after: int = 2
    confirm_days: int = 2
    series: dict[SeriesId, _Series | None] = field(default_factory=dict)
    dropped: int = 0
    # Detector state changes only in ``judge`` (once per closed day when live), while
    # Prometheus asks for its size at every scrape: pickling 1,066 series took 16 ms,
    # and at the 50,000-series cap would hold the event loop ~0.75 s per scrape.
    _sizes: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def windows(self) -> set[str]:
        """The windows some policy judges (the KPI values a day's judgement needs)."""
        file = self.policy.file
        found = {"7d", "now", "mtd", "30d"}
        for fields in (file.defaults, *file.kpis.values()):
            found.update(v for k, v in fields.items() if k in ("window", "rule_window"))
        return found

    def judge(
        self, values: Iterable[KpiValue], day: date, at: datetime, rep_team: Mapping[str, str]
    ) -> list[AnomalyRecord]:
        self._sizes = None
        judged: dict[SeriesId, Judged] = {}
        fired: list[tuple[KpiValue, Verdict, tuple[DetectorFinding, ...], _Series]] = []
        for value in values:
            state = self._state(value)
            if state is None or (state.month_end_only and not is_last_day_of_month(day)):
                continue
            point = _point(value, at)
            state.seen += 1
            pairs = [
                (d.name, d.update(point))
                for d in state.detectors
                if state.seen > state.rules_from or not _is_rule(d)
            ]
            if not pairs:
                continue
            verdict = state.last = _combine([v for _, v in pairs])
            findings = tuple(
                DetectorFinding(name=name, score=round(v.score, 6), reason=v.reason)
                for name, v in pairs
                if v.is_anomaly
            )
            if value.value is not None and verdict.expected is not None:
                weight = _weight(value)
                judged[value.series_id] = Judged(value.value, verdict.expected, weight)
            fired.append((value, verdict, findings, state))
        records: list[AnomalyRecord] = []
        for value, verdict, findings, state in fired:
            records.extend(self._transition(value, verdict, findings, state, at, judged, rep_team))
        return records

    def _state(self, value: KpiValue) -> _Series | None:
        sid = value.series_id
        if sid in self.series:
            return self.series[sid]
        if len(self.series) >= self.max_series:
            self.dropped += 1
            return None
        state = self.series[sid] = _build(self.policy, value, self.policy.resolve(*sid[:3]))
        return state

    def _transition(
        self,
        value: KpiValue,
        verdict: Verdict,
        findings: tuple[DetectorFinding, ...],
        state: _Series,
        at: datetime,
        judged: Mapping[SeriesId, Judged],
        rep_team: Mapping[str, str],
    ) -> list[AnomalyRecord]:
        """Incident bookkeeping; a record goes out when an incident is confirmed
        (``confirm_days`` firing days in a row, or critical at once), escalates, or ends."""
        incident = state.incident
        out: list[AnomalyRecord] = []
        if not (verdict.is_anomaly and verdict.direction is not None):
            if incident is not None:
                incident.quiet += 1
                if incident.quiet >= self.resolve_after:
                    state.incident = None
                    if incident.published:
                        out.append(_resolved(incident, value, at))
            return out
        severity = _severity(verdict.score, state.policy)
        if incident is not None and incident.direction != verdict.direction:
            state.incident = None
            if incident.published:
                out.append(_resolved(incident, value, at))
            incident = None
        first = incident.first_seen if incident is not None else at
        record = self._record(value, verdict, findings, severity, at, first)
        record = record.model_copy(
            update={
                "drilldown": contributions(value.series_id, judged, rep_team),
                "labels": _labels(value.series_id, severity, rep_team),
            }
        )
        if incident is None:
            incident = state.incident = Incident(
                record.fingerprint, verdict.direction, severity, at, record, days=0
            )
        incident.quiet, incident.days = 0, incident.days + 1
        confirmed = incident.days >= self.confirm_days or severity == "critical"
        escalated = SEVERITIES[severity] > SEVERITIES[incident.severity]
        if (not incident.published and confirmed) or (incident.published and escalated):
            incident.published, incident.severity = True, severity
            incident.last = record
            out.append(record)
        elif not incident.published:
            incident.severity, incident.last = severity, record
        return out

    def _record(
        self,
        value: KpiValue,
        verdict: Verdict,
        findings: tuple[DetectorFinding, ...],
        severity: str,
        at: datetime,
        first_seen: datetime,
    ) -> AnomalyRecord:
        kpi, dim, key, window = value.series_id
        direction = verdict.direction or "drop"
        unit = unit_of(kpi)
        impact = money_impact(unit, value.value, verdict.expected, self.currency)
        return AnomalyRecord(
            fingerprint=fingerprint(kpi, dim, key, window, direction),
            status="firing",
            kpi=kpi,
            dimension=dim,
            key=key,
            window=window,
            as_of=value.as_of,
            unit=unit,
            observed=value.value,
            expected=verdict.expected,
            low=verdict.low,
            high=verdict.high,
            direction=direction,
            severity=severity,  # type: ignore[arg-type]
            score=round(verdict.score, 6),
            detectors=findings,
            money_impact=MoneyImpact(**impact) if impact else None,
            first_seen=first_seen,
            last_seen=at,
        )

    def state_bytes(self) -> dict[str, int]:
        """Pickled bytes of detector state, by detector kind (for metrics and the bench).

        Measured once per judged day and kept until the next ``judge``.
        """
        if self._sizes is None:
            sizes: dict[str, int] = {}
            for state in self.series.values():
                for detector in state.detectors if state else ():
                    kind = type(detector).__name__
                    sizes[kind] = sizes.get(kind, 0) + len(pickle.dumps(detector))
            self._sizes = sizes
        return dict(self._sizes)


def _resolved(incident: Incident, value: KpiValue, at: datetime) -> AnomalyRecord:
    """The incident's last published record, marked resolved as of the clearing day."""
    return incident.last.model_copy(
        update={"status": "resolved", "last_seen": at, "as_of": value.as_of}
    )


def _build(policy: DetectorPolicy, value: KpiValue, sp: SeriesPolicy) -> _Series | None:
    kpi, dim, _key, window = value.series_id
    detectors: list[Detector] = []
    month_end = False
    if sp.method == "rolling" and window == sp.window and dim in sp.dimensions:
        detectors.append(_rolling(kpi, sp))
    elif sp.method == "ensemble" and window == sp.window and dim in sp.dimensions:
        detectors.append(build(sp.profile))  # seasonal + river Holt-Winters + Page-Hinkley
    elif sp.method == "pacing" and window == sp.window and dim in sp.dimensions:
        p = policy.pacing
        detectors.append(
            PlanPacing(window, p.margin, p.critical_margin, p.min_elapsed, p.weekend_weight)
        )
    if window == sp.rule_window and dim in sp.rule_dimensions:
        for i, rule in enumerate(sp.rules):
            if rule.kind == "negative_streak":
                detectors.append(NegativeStreak(rule.periods, name=f"{kpi}_negative_streak"))
                month_end = True
            else:
                name = f"{kpi}_rule_{i}" if len(sp.rules) > 1 else f"{kpi}_rule"
                detectors.append(ThresholdRule(name, rule.below, rule.above, rule.min_denominator))
    rules_from = 30 if sp.rule_window == "30d" else 0
    return _Series(tuple(detectors), sp, month_end, rules_from) if detectors else None


def _is_rule(detector: Detector) -> bool:
    return isinstance(detector, ThresholdRule | NegativeStreak)


def _rolling(kpi: str, sp: SeriesPolicy) -> RollingWindow:
    return RollingWindow(
        name="rolling_window",
        lag=sp.lag,
        half_life=sp.half_life,
        k=sp.k,
        rel_floor=sp.rel_floor,
        min_spread=sp.min_spread,
        warmup=sp.warmup,
        counts=sp.counts,
        confidence=sp.confidence,
        min_effect=sp.min_effect,
        min_trials=sp.min_trials,
        accept_after=sp.accept_after,
        log=sp.log and not sp.counts,
        min_gap=sp.min_gap,
        watch=sp.watch,
    )


def _combine(verdicts: list[Verdict]) -> Verdict:
    """Several detectors on one series (a statistical one and rules): the strongest fired."""
    if len(verdicts) == 1:
        return verdicts[0]
    fired = [v for v in verdicts if v.is_anomaly]
    pool = fired or verdicts
    best = max(pool, key=lambda v: v.score)
    expected = (
        best.expected
        if best.expected is not None
        else next((v.expected for v in verdicts if v.expected is not None), None)
    )
    reason = "; ".join(v.reason for v in fired) if fired else best.reason
    return Verdict(
        best.score, best.is_anomaly, expected, best.low, best.high, best.direction, reason
    )


def _severity(score: float, sp: SeriesPolicy) -> str:
    if score >= sp.severity.critical:
        return "critical"
    return "warning" if score >= sp.severity.warning else "info"


def _labels(series: SeriesId, severity: str, rep_team: Mapping[str, str]) -> dict[str, str]:
    kpi, dim, key, window = series
    labels = {"kpi": kpi, "dimension": dim, "key": key, "window": window, "severity": severity}
    if dim != "company":
        labels[dim] = key
    if dim == "rep" and key in rep_team:
        labels["team"] = rep_team[key]
    return labels


def _weight(value: KpiValue) -> float:
    """A ratio's or an average's denominator; 1 for a sum (see ``detectors.drilldown``)."""
    denominator = value.denominator
    return float(denominator) if denominator is not None and denominator > 0 else 1.0


def _point(value: KpiValue, at: datetime) -> Point:
    numerator = float(value.numerator) if value.numerator is not None else None
    denominator = float(value.denominator) if value.denominator is not None else None
    return Point(at, value.value, numerator, denominator)


def describe(record: AnomalyRecord) -> dict[str, Any]:
    """JSON-ready form, as published and as listed by the backtest."""
    return record.model_dump(mode="json")
