"""Writes of case management. Each checks the case policy, runs in one transaction and audits in it."""
