"""Benchmarks through the real broker; ratios, not absolute numbers, are the result."""
