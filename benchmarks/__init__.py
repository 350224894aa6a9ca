"""Benchmarks: run on purpose, print figures (not part of the test suite)."""
