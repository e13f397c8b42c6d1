"""Exports: figures and de-identified records as CSV or Excel, and encrypted identity archives."""
