"""Anomaly detectors over KPI series (plain Python, no faust or Kafka)."""
