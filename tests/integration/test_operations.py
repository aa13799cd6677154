"""Operations staff (beheer) see what a consumer dead-lettered — reason and origin, never the
payload — and nobody else does."""
from contracts.events import CasusAssigned
from tests import identity
from tests.infra import produce, wait_until


async def test_dead_letters_are_listed_for_beheer_without_their_payload(chain, kafka_bootstrap):
    capacity = chain["capacity"]
    consumer = capacity.app.state.runtime.consumer
    before = consumer.dead_lettered
    await produce(kafka_bootstrap, CasusAssigned.topic.name, b'{"casus_id": "Jan Jansen 111222333"}', b"k", [
        ("ce_specversion", b"1.0"), ("ce_id", b"ops-poison-1"), ("ce_source", b"test"),
        ("ce_type", CasusAssigned.type.encode()), ("ce_time", b"2026-01-01T00:00:00+00:00")])
    await wait_until(lambda: consumer.dead_lettered > before)

    response = await capacity.get("/v1/dode-brieven", headers=identity.beheer())
    assert response.status_code == 200, response.text
    letter = next(i for i in response.json()["items"] if i["event_id"] == "ops-poison-1")
    assert letter["event_type"] == CasusAssigned.type and letter["topic"] == CasusAssigned.topic.name
    assert "invalid" in letter["reason"]
    assert "Jansen" not in response.text and "111222333" not in response.text

    for caller in (identity.gi("WSS"), identity.rvdk(), identity.privacy(), identity.regio()):
        assert (await capacity.get("/v1/dode-brieven", headers=caller)).status_code == 403
    assert (await capacity.get("/v1/dode-brieven")).status_code == 401
