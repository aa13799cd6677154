"""A bounded schemathesis run against all five services with valid tokens: every operation of
every OpenAPI document gets generated requests (valid and invalid, within its schema) from a
caller the operation's policy admits; none may answer with a server error (5xx)."""
import os
from collections import Counter

import httpx
import pytest
import schemathesis
import schemathesis.specs.openapi.schemas  # imported at collection (see below)
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from deploy.stack import SERVICES
from tests import identity

pytestmark = pytest.mark.e2e
# schemathesis' OpenAPI modules are imported above, at collection, not lazily inside a test: pytest
# rewrites their asserts as they are imported, and CPython 3.11 can fail compiling one deep in a
# test's stack ("SystemError: AST constructor recursion depth mismatch", seen once in CI).
# Examples per operation (JBKETEN_FUZZ_EXAMPLES for a longer run); derandomized, so repeatable.
EXAMPLES = int(os.environ.get("JBKETEN_FUZZ_EXAMPLES", "12"))
# An endless stream: its first answer is checked by the capacity tests, not fuzzed here.
SKIP = {("GET", "/capaciteit/stream")}
def _caller(operation) -> dict[str, str]:
    roles = operation.definition.raw.get("x-rollen") or ["beheer"]
    return identity.caller(roles[0])


def _fuzz(operation, base_url: str, failures: list[str], statuses: Counter, mode: GenerationMode) -> None:
    headers = _caller(operation)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        statuses[response.status_code] += 1
        # 401 with our valid token is a failure too (invalid requests may drop the token on purpose)
        refused = response.status_code == 401 and mode is GenerationMode.POSITIVE
        if response.status_code >= 500 or refused:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                            f"{response.text[:200]} ({case.as_curl_command()[:300]})")

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # an operation without any invalid request (no parameters, no body) is fine


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_server_errors(stack, service):
    document = httpx.get(f"{stack.url(service)}/v1/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):  # valid, then invalid requests
            _fuzz(operation, f"{stack.url(service)}/v1", failures, statuses, mode)
    assert failures == [], "\n".join(failures[:20])
    # The run reached the operations: some requests were accepted, some refused as invalid.
    assert any(200 <= code < 300 for code in statuses) and statuses[400] > 0, statuses
