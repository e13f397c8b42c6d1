"""Benchmarks: run with `make bench`; they print figures and are never part of the test suite."""
