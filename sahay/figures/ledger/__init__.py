"""The figure ledger: what the engine's rules select, kept ready in tables the writes maintain.

Per counting rule, each qualifying record becomes one or more rows: a subject's qualifying interval
(an event is a one-day interval, a service or cooperation its date range, open ones left open), split
where a qualification changes inside a range, with its place and what disaggregation needs. Any window's
figure is an overlap count over those rows, evaluated when read; `counting` does it for both the live
events and the ledger, so the counting rules stay one definition.

- `derive`: the rows of a rule, taken from the engine's own queries (`engine.sources`);
- `maintain`: the writes' step: records touched in a transaction are re-derived before it commits;
- `build`: building a rule's rows from nothing, in batches, with progress;
- `check`: the ledger against a fresh derivation, and every figure against the live recount.
"""
