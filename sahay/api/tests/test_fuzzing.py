"""Goal: no operation of the API answers a 5xx or a response its schema does not declare, for any role."""

from __future__ import annotations

import os
import time

from django.core.cache import cache

from sahay.api.tests.fuzzing import fuzz
from sahay.api.tests.world import api_world

# A few generated calls per operation, mode and role keep this test within the suite's budget;
# `make bench` runs many more (benchmarks/api_fuzz.py).
EXAMPLES = int(os.environ.get("SAHAY_FUZZ_EXAMPLES", "2"))


def test_schemathesis_finds_no_server_error_and_no_schema_violation(programme, organisations, role_users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute"}}
    cache.clear()
    world = api_world(organisations, role_users)
    started = time.perf_counter()
    failures = fuzz(world.headers, examples=EXAMPLES)
    print(f"fuzzed with {EXAMPLES} examples per operation, mode and role in {time.perf_counter() - started:.0f} s")
    assert failures == [], "\n".join(failures[:40])
