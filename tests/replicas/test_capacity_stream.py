"""The capacity stream (SSE) with two capacity replicas: a client on either replica sees the
changes made through the other (each stream reads the shared database), and a client that
reconnects to the other replica with Last-Event-ID misses nothing."""

from tests import identity
from tests.infra import sse_events
from tests.replicas.helpers import next_event

GI = "LJR"


async def put_staffing(http, instance: str, jeugdbeschermers: int, caseload_norm: int) -> None:
    r = await http[instance].put(f"/v1/gis/{GI}/capaciteit", headers=identity.gi(GI),
                                 json={"jeugdbeschermers": jeugdbeschermers, "caseload_norm": caseload_norm})
    assert r.status_code == 200, r.text


class Stream:
    def __init__(self, http, instance: str, last_event_id: int | None = None):
        headers = identity.rvdk() | ({"Last-Event-ID": str(last_event_id)} if last_event_id else {})
        self._request = http[instance].stream("GET", "/v1/capaciteit/stream", headers=headers,
                                              timeout=None)

    async def __aenter__(self):
        response = await self._request.__aenter__()
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return sse_events(response)

    async def __aexit__(self, *exc):
        await self._request.__aexit__(*exc)


async def test_a_change_through_one_replica_reaches_a_stream_on_the_other_and_resumes_there(http):
    figure = (await http["capacity"].get(f"/v1/gis/{GI}/capaciteit", headers=identity.rvdk())).json()
    base, norm = figure["jeugdbeschermers"], figure["caseload_norm"]
    try:
        async with Stream(http, "capacity#2") as stream:
            snapshot = [await next_event(stream) for _ in range(3)]
            await put_staffing(http, "capacity", base + 1, norm)
            live = await next_event(stream)
            assert (live["data"]["gi"], live["data"]["jeugdbeschermers"]) == (GI, base + 1)
            assert live["id"] > max(e["id"] for e in snapshot)

        # Disconnected: changes through both replicas, then the client resumes at the first replica.
        await put_staffing(http, "capacity#2", base + 2, norm)
        await put_staffing(http, "capacity", base + 3, norm)
        async with Stream(http, "capacity", last_event_id=live["id"]) as stream:
            missed = [await next_event(stream) for _ in range(2)]
            assert [e["data"]["jeugdbeschermers"] for e in missed] == [base + 2, base + 3]
            assert live["id"] < missed[0]["id"] < missed[1]["id"]
            await put_staffing(http, "capacity#2", base + 4, norm)
            after = await next_event(stream)
            assert after["data"]["jeugdbeschermers"] == base + 4 and after["id"] > missed[1]["id"]
    finally:
        await put_staffing(http, "capacity", base, norm)


