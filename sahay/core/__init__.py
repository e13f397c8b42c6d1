"""Reference data: countries, administrative areas, organisations and periods."""
