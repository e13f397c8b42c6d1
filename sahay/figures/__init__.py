"""Figures: aggregate entries, indicator figures against targets, and the dashboard."""
