"""Benchmarks: run as ``python -m bench.intake`` and ``python -m bench.e2e`` (see docs/performance.md)."""
