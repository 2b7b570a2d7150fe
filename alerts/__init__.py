"""Alert lifecycle, routing and delivery policy (plain Python, no faust or Kafka)."""
