"""Sahay: the information system of a child-protection programme."""
