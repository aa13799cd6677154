"""Overload: requests beyond the number in progress at once are refused at once (503 with
Retry-After, problem+json), never queued without bound; health and streams always get in."""
import asyncio

import httpx

from runtime.guards import Admission


def held_app(release: asyncio.Event):
    async def app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
    return app


async def test_one_request_too_many_is_refused_at_once_and_the_others_finish():
    release = asyncio.Event()
    guard = Admission(held_app(release), max_in_flight=2, retry_after_s=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://t") as http:
        held = [asyncio.create_task(http.get("/v1/meldingen")) for _ in range(2)]
        for _ in range(100):  # until both are inside
            if guard.in_flight == 2:
                break
            await asyncio.sleep(0.01)
        refused = await http.post("/v1/meldingen", json={})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 503 and "2 requests" in refused.json()["detail"]
        probe = asyncio.create_task(http.get("/v1/health"))  # not counted: it waits like the others
        stream = asyncio.create_task(http.get("/v1/capaciteit/stream"))
        await asyncio.sleep(0.05)
        assert guard.in_flight == 2
        release.set()
        answers = await asyncio.gather(*held, probe, stream)
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert guard.in_flight == 0
