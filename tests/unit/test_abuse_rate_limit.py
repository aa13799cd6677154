"""Issue 9 §3: requests are limited per token subject (configurable); one too many is 429
problem+json with Retry-After, for the service's own operations and the platform's alike."""
import time

import pytest
from fastapi.testclient import TestClient

from runtime.http import nl_openapi
from runtime.ratelimit import RateLimit, RateLimited
from runtime.service import build_app
from runtime.settings import ServiceSettings
from services.intake.bootstrap import SPEC as INTAKE
from tests import identity

# Requests that fail validation still count: they need no database, which these apps lack.
LIST = "/v1/meldingen?page=0"


def intake(requests: int, window_s: int = 2) -> TestClient:
    settings = INTAKE.settings_class.for_service("intake", 8001, rate_limit_requests=requests,
                                                rate_limit_window_s=window_s)
    return TestClient(build_app(INTAKE, settings))


def test_the_default_is_1200_requests_a_minute():
    settings = ServiceSettings()
    assert (settings.rate_limit_requests, settings.rate_limit_window_s) == (1200, 60)


def test_one_request_too_many_is_429_with_retry_after_and_the_window_frees_it():
    client = intake(3, window_s=2)
    team = identity.lokaal_team(sub="team-a")
    assert [client.get(LIST, headers=team).status_code for _ in range(3)] == [400, 400, 400]
    refused = client.get(LIST, headers=team)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["API-Version"]
    assert refused.json()["status"] == 429 and "3 requests in 2 seconds" in refused.json()["detail"]
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    time.sleep(retry_after + 0.1)
    assert client.get(LIST, headers=team).status_code == 400


def test_each_subject_has_its_own_count():
    client = intake(2)
    for _ in range(2):
        client.get(LIST, headers=identity.lokaal_team(sub="team-a"))
    assert client.get(LIST, headers=identity.lokaal_team(sub="team-a")).status_code == 429
    # The same role and organisation with another subject, and another role: not limited.
    assert client.get(LIST, headers=identity.lokaal_team(sub="team-b")).status_code == 400
    assert client.get(LIST, headers=identity.veilig_thuis()).status_code == 400


def test_the_platform_operations_are_limited_too():
    client = intake(2)
    def republish():
        return client.post("/v1/outbox/herpublicaties", json={"onbekend": 1}, headers=identity.beheer())

    assert [republish().status_code for _ in range(3)] == [400, 400, 429]


def test_requests_without_a_valid_token_have_no_subject_to_count():
    client = intake(1)
    for _ in range(3):
        assert client.get(LIST).status_code == 401
    assert client.get(LIST, headers=identity.lokaal_team()).status_code == 400


def test_zero_means_no_limit():
    client = intake(0)
    assert {client.get(LIST, headers=identity.lokaal_team()).status_code for _ in range(30)} == {400}


async def test_the_limiter_counts_a_moving_window():
    limit = RateLimit(2, 1)
    await limit.hit("s")
    await limit.hit("s")
    with pytest.raises(RateLimited) as refused:
        await limit.hit("s")
    assert refused.value.retry_after_s == 1


def test_the_openapi_documents_429_and_413():
    document = nl_openapi(build_app(INTAKE), "1.0.0")
    post = document["paths"]["/meldingen"]["post"]["responses"]
    assert "Retry-After" in post["429"]["headers"] and "413" in post
    listing = document["paths"]["/meldingen"]["get"]["responses"]
    assert "429" in listing and "413" not in listing
    assert "429" not in document["paths"]["/health"]["get"]["responses"]
