"""Benchmarks and their dataset generator (not shipped with the app; results in BENCHMARKS.md)."""
