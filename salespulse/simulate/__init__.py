"""A seeded simulator of a sales organisation's event stream, with labelled anomalies.

Pure Python: it builds validated events and leaves sending them to the caller
(``salespulse simulate`` writes a JSONL file or produces to Kafka).
"""

from salespulse.simulate.anomalies import Anomaly, write_labels
from salespulse.simulate.config import AnomalyKind, SimulationConfig, parse_anomalies
from salespulse.simulate.engine import SimulationResult, simulate

__all__ = [
    "Anomaly",
    "AnomalyKind",
    "SimulationConfig",
    "SimulationResult",
    "parse_anomalies",
    "simulate",
    "write_labels",
]
