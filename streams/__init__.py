"""Kafka and Faust wiring: topics, the broker launcher, producers and agents."""
