"""Synthetic demo data and the `sahay demo` command that sets up a working installation."""
