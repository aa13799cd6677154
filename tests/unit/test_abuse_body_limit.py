"""Issue 9 §3: a body over the limit (default 1 MiB) is 413 problem+json, refused while it is
read, so a 200 MB body never gets into memory."""
import tracemalloc

import httpx
import pytest
from fastapi.testclient import TestClient

from runtime.service import build_app
from runtime.settings import ServiceSettings
from services.intake.bootstrap import SPEC as INTAKE
from tests import identity

MiB = 1024 * 1024


def intake(**settings):
    # No lifespan: no database or broker; the guards answer before any of them is needed.
    return build_app(INTAKE, INTAKE.settings_class.for_service("intake", 8001, **settings))


def test_the_default_limit_is_one_mebibyte():
    assert ServiceSettings().max_body_bytes == MiB


async def test_a_200_mb_chunked_body_is_refused_before_it_is_in_memory():
    sent = 0
    chunk = b"x" * MiB  # one object, sent again and again: only the server's copies count

    async def body():
        nonlocal sent
        for _ in range(200):
            sent += len(chunk)
            yield chunk

    transport = httpx.ASGITransport(app=intake())
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        tracemalloc.start()
        try:
            response = await client.post("/v1/meldingen", content=body(), headers={
                **identity.veilig_thuis(), "Content-Type": "application/json"})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"]
    assert response.json()["status"] == 413 and "1048576" in response.json()["detail"]
    assert "content-length" not in {k.lower() for k in response.request.headers}  # chunked
    assert sent <= 3 * MiB, "the server stopped reading just past the limit"
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB while refusing a 200 MB body"


async def test_a_declared_content_length_over_the_limit_is_refused_without_reading():
    app = intake()
    reads = []
    sent = []

    async def receive():
        reads.append(1)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/meldingen", "raw_path": b"/v1/meldingen", "query_string": b"",
             "root_path": "", "server": ("intake", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"content-length", str(200 * MiB).encode()),
                         (b"content-type", b"application/json")]}
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert reads == [], "not one byte of the body was read"


@pytest.mark.parametrize(("size", "status"), [(1000, 400), (1001, 413)])
def test_the_limit_is_a_setting_and_counts_bytes(size, status):
    client = TestClient(intake(max_body_bytes=1000), headers=identity.veilig_thuis())
    padding = "x" * (size - len('{"x":""}'))
    response = client.post("/v1/meldingen", content=f'{{"x":"{padding}"}}'.encode(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
