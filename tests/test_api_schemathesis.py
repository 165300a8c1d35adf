"""Property-based testing of /api/v1 from its own OpenAPI schema with schemathesis: every
operation, valid and invalid inputs, bounded and deterministic examples, authenticated as an
admin (so protected operations run too), in-process over ASGI. No response may be a 5xx.

(schemathesis' pytest plugin does not run under pytest 9 yet, so the operations are driven
through its Hypothesis strategies directly.)"""

from __future__ import annotations

import time

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, app, engine
    from .webdata import Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import _fast_hashing, app, engine  # type: ignore[no-redef]  # noqa: F401
    from webdata import Dataset  # type: ignore[no-redef]

pytestmark = pytest.mark.slow  # make test-fast leaves it out

EXAMPLES = 10  # per operation and generation mode
BUDGET = 60.0  # seconds, for the whole run
# no 5xx; and every status and body is the one the schema documents
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def test_no_server_errors(app: FastAPI, data: Dataset, accounts: Accounts) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = accounts.auth("root")
    started = time.monotonic()
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,  # the same examples on every run
                deadline=None,
                database=None,  # no .hypothesis/ directory
                # no shrinking: a failure is reported as it was found
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                key = f"{case.operation.label} {response.status_code}"
                calls[key] = calls.get(key, 0) + 1

            run()
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET, elapsed
    # protected operations really ran as an authenticated admin, not only into 401s
    assert any(k.startswith("POST /feeds 201") for k in calls), calls
    assert any(k.startswith("GET /me 200") for k in calls), calls
    assert any(k.startswith("PUT /me/articles/{article_id}/state 200") for k in calls), calls
