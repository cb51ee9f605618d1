"""Benchmarks: each prints one JSON line (bench/README.md)."""
