"""Benchmarks and measurements; results are written down in docs/."""
