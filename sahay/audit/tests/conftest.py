"""Fixtures of the audit tests: `committed_db` lives in the root conftest.py."""
