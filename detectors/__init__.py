"""Anomaly detectors over KPI series (plain Python, no faust or Kafka)."""

from detectors.base import Detector, Direction, Point, Verdict, quiet, state_bytes

__all__ = ["Detector", "Direction", "Point", "Verdict", "quiet", "state_bytes"]
