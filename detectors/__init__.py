"""Anomaly detectors over KPI series (plain Python, no faust or Kafka).

Each per-series detector judges a point against what it learned before it, then
learns (``update``); ``PeerOutlier`` judges one window across peers instead.
"""

from detectors.base import Detector, Direction, Point, Verdict, quiet, state_bytes
from detectors.changepoint import LevelShift
from detectors.forecast import ForecastBand
from detectors.peers import PeerOutlier
from detectors.ratio import BetaRatio
from detectors.rules import NegativeStreak, ThresholdRule, catalogue
from detectors.seasonal import SeasonalBaseline

__all__ = [
    "BetaRatio",
    "Detector",
    "Direction",
    "ForecastBand",
    "LevelShift",
    "NegativeStreak",
    "PeerOutlier",
    "Point",
    "SeasonalBaseline",
    "ThresholdRule",
    "Verdict",
    "catalogue",
    "quiet",
    "state_bytes",
]
