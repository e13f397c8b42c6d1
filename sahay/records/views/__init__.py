"""Pages for recording what the programme does, one module per kind of record."""
