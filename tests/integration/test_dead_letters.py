"""Dead letters on real PostgreSQL and a real broker: capacity, in this process on a broker and
database of its own, with its handler of assigned cases failing for chosen cases until their cause
is fixed. A poison event is dead-lettered while the consumer carries on; beheer lists it with its
reason, never its payload; re-driving it fails while the cause remains (nothing kept, the attempt
recorded), succeeds once it is fixed (the effect there once, its signal sent at once) and is refused
after that; nobody but beheer sees or re-drives a letter."""
import asyncio
import dataclasses
import uuid

import httpx
import pytest
import sqlalchemy as sa

from contracts.events import CapacitySignal, CasusAssigned, Kind
from contracts.vocabulary import GI
from deploy.stack import database_url_for, free_port
from runtime import tables
from runtime.cloudevents import CloudEvent
from runtime.http import PROBLEM
from runtime.service import ServiceSpec, build_app
from services.capacity.bootstrap import SPEC as CAPACITY
from tests import identity
from tests.clock import running
from tests.conftest import own_broker, own_databases
from tests.infra import header, new_topic, produce, read_topic, wait_until

pytestmark = pytest.mark.integration

kafka_bootstrap = pytest.fixture(scope="module")(own_broker)
letters_prefix = pytest.fixture(scope="module")(own_databases)
BEFORE, AFTER = "before", "after"  # the handler fails before it wrote anything, or once it kept its part


class Cause:
    """Why the handler of assigned cases fails, per case: not at all unless a case is named."""

    def __init__(self):
        self.broken: dict[uuid.UUID, str] = {}
        self.calls: dict[uuid.UUID, int] = {}

    def around(self, handler):
        async def handle(event: CasusAssigned, uow, clock) -> None:
            self.calls[event.casus_id] = self.calls.get(event.casus_id, 0) + 1
            how = self.broken.get(event.casus_id)
            if how == BEFORE:
                raise RuntimeError(f"cause not fixed for {event.casus_id} of Jan Jansen")
            await handler(event, uow, clock)
            if how == AFTER:  # the handler's part kept in the transaction, then a failure
                raise RuntimeError(f"cause not fixed for {event.casus_id} of Jan Jansen")
        return handle


@dataclasses.dataclass
class OnItsOwnTopic(ServiceSpec):
    """The service's spec with its events read from one topic of the test's own."""

    topic: str = ""

    @property
    def topics(self) -> list[str]:
        return [self.topic]


@pytest.fixture(scope="module")
async def capacity(database_server_url, kafka_bootstrap, letters_prefix):
    """httpx client of the service; `.app`, `.cause` and `.topic` on it."""
    topic = await new_topic(kafka_bootstrap, "casussen", partitions=2)
    cause = Cause()
    events = {**CAPACITY.events, CasusAssigned: [cause.around(h) for h in CAPACITY.events[CasusAssigned]]}
    same = {f.name: getattr(CAPACITY, f.name) for f in dataclasses.fields(CAPACITY)}
    spec = OnItsOwnTopic(**{**same, "events": events}, topic=topic)
    settings = CAPACITY.settings_class.for_service(
        "capacity", free_port(),
        database_url=database_url_for(database_server_url, "capacity", letters_prefix),
        kafka_bootstrap_servers=kafka_bootstrap, kafka_group_id=f"{letters_prefix}-capacity",
        # A long poll: a re-driven event's signal that leaves within seconds was woken for.
        outbox_poll_interval_s=60, consumer_retry_backoff_s=0.01, consumer_max_attempts=2)
    app = build_app(spec, settings, clock=running())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://capacity") as client:
        client.app, client.cause, client.topic = app, cause, topic
        await wait_until(lambda: _ready(client), timeout=60)
        yield client


async def _ready(client) -> bool:
    return (await client.get("/v1/health")).status_code == 200


def assigned(gi: GI = GI.WSS) -> CasusAssigned:
    return CasusAssigned(casus_id=uuid.uuid4(), melding_id=uuid.uuid4(), gezin_id=uuid.uuid4(),
                         gemeente="GM0599", gi=gi, doelgroep="grijs_gebied", maatregel="OTS",
                         nieuwe_casus=True, kinderen=[Kind(kind_id=uuid.uuid4(), leeftijd=8)],
                         toegewezen_op=running().now())


async def poison(capacity, kafka_bootstrap, event: CasusAssigned, how: str = BEFORE) -> dict:
    """Send the event with its handler broken for it; the letter beheer sees once it is dead."""
    capacity.cause.broken[event.casus_id] = how
    ce = CloudEvent.wrap(event, "caseregie", running().now())
    await produce(kafka_bootstrap, capacity.topic, ce.value(), event.key.encode(), ce.headers())
    return await wait_until(lambda: _letter_of(capacity, ce.id))


async def _letter_of(capacity, event_id: str) -> dict | None:
    response = await capacity.get("/v1/dode-brieven", params={"pageSize": 200}, headers=identity.beheer())
    return next((i for i in response.json()["items"] if i["event_id"] == event_id), None)


async def in_care(capacity, gi: GI = GI.WSS) -> int:
    response = await capacity.get(f"/v1/gis/{gi.value}/capaciteit", headers=identity.rvdk())
    assert response.status_code == 200, response.text
    return response.json()["kinderen_in_zorg"]


async def stored(capacity, event_id: str) -> tuple[str | None, int]:
    """The event's claim (its outcome) and the number of events in the outbox."""
    async with capacity.app.state.runtime.engine.connect() as conn:
        outcome = await conn.scalar(sa.select(tables.processed_events.c.outcome)
                                    .where(tables.processed_events.c.event_id == event_id))
        outbox = await conn.scalar(sa.select(sa.func.count()).select_from(tables.outbox))
    return outcome, outbox


async def redrive(capacity, letter: dict, headers=None) -> httpx.Response:
    return await capacity.post(f"/v1/dode-brieven/{letter['id']}/herverwerking",
                               headers=headers or identity.beheer())


async def test_a_poison_event_is_re_driven_once_its_cause_is_fixed_and_only_once(capacity, kafka_bootstrap):
    event = assigned()
    before = await in_care(capacity)
    letter = await poison(capacity, kafka_bootstrap, event)
    assert letter["status"] == "open" and letter["herverwerkingen"] == 0
    assert letter["laatste_herverwerking"] is None and letter["event_type"] == CasusAssigned.type
    assert letter["topic"] == capacity.topic and "failed after 2 attempts: RuntimeError" in letter["reason"]
    one = await capacity.get(f"/v1/dode-brieven/{letter['id']}", headers=identity.beheer())
    assert one.status_code == 200 and one.json() == letter
    for payload in (str(event.casus_id), str(event.kinderen[0].kind_id), "Jansen"):
        assert payload not in one.text
    assert await in_care(capacity) == before
    outcome, outbox = await stored(capacity, letter["event_id"])
    assert outcome == "dead_lettered"

    await _still_failing(capacity, event, letter, before, outbox)
    await _fixed(capacity, kafka_bootstrap, event, letter, before)

    again = await redrive(capacity, letter)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert again.json()["title"] == "Already processed"
    assert await in_care(capacity) == before + 1
    assert (await capacity.get(f"/v1/dode-brieven/{letter['id']}",
                               headers=identity.beheer())).json()["herverwerkingen"] == 2


async def _still_failing(capacity, event, letter, before, outbox) -> None:
    """The handler runs and keeps its part, then fails: the re-drive keeps nothing of it."""
    capacity.cause.broken[event.casus_id] = AFTER
    calls = capacity.cause.calls[event.casus_id]
    response = await redrive(capacity, letter)
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM, response.text
    problem = response.json()
    assert problem["title"] == "The event still cannot be processed" and "RuntimeError" in problem["detail"]
    assert "Jansen" not in response.text and str(event.casus_id) not in response.text
    assert capacity.cause.calls[event.casus_id] > calls  # it was handled again, then undone
    assert await in_care(capacity) == before
    assert await stored(capacity, letter["event_id"]) == ("dead_lettered", outbox)
    now = (await capacity.get(f"/v1/dode-brieven/{letter['id']}", headers=identity.beheer())).json()
    assert now["status"] == "open" and now["herverwerkingen"] == 1
    assert now["laatste_herverwerking"]["uitkomst"] == "mislukt"
    assert "RuntimeError" in now["laatste_herverwerking"]["reden"]


async def _fixed(capacity, kafka_bootstrap, event, letter, before) -> None:
    del capacity.cause.broken[event.casus_id]
    consumer = capacity.app.state.runtime.consumer
    redriven = consumer.redriven
    response = await redrive(capacity, letter)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "herverwerkt" and body["herverwerkingen"] == 2
    assert body["laatste_herverwerking"]["uitkomst"] == "herverwerkt"
    assert body["laatste_herverwerking"]["reden"] is None
    assert await in_care(capacity) == before + 1 and consumer.redriven == redriven + 1
    assert (await stored(capacity, letter["event_id"]))[0] == "handled"
    await wait_until(lambda: _signalled(kafka_bootstrap, before + 1), timeout=10)  # the relay woke
    done = await capacity.get("/v1/dode-brieven", params={"status": "herverwerkt"}, headers=identity.beheer())
    assert letter["id"] in [i["id"] for i in done.json()["items"]]
    still = await capacity.get("/v1/dode-brieven", params={"status": "open"}, headers=identity.beheer())
    assert letter["id"] not in [i["id"] for i in still.json()["items"]]


async def _signalled(bootstrap: str, in_care: int) -> bool:
    records = await read_topic(bootstrap, "capacity.signals")
    signals = [CapacitySignal.model_validate_json(r.value) for r in records
               if header(r, "ce_type") == CapacitySignal.type]
    return any(s.gi == GI.WSS and s.kinderen_in_zorg == in_care for s in signals)


async def test_the_consumer_carries_on_past_a_poison_event(capacity, kafka_bootstrap):
    before = await in_care(capacity, GI.LJR)
    await poison(capacity, kafka_bootstrap, assigned(GI.LJR))
    event = assigned(GI.LJR)
    ce = CloudEvent.wrap(event, "caseregie", running().now())
    await produce(kafka_bootstrap, capacity.topic, ce.value(), event.key.encode(), ce.headers())
    await wait_until(lambda: _in_care_is(capacity, GI.LJR, before + 1))


async def _in_care_is(capacity, gi: GI, expected: int) -> bool:
    return await in_care(capacity, gi) == expected


async def test_an_event_whose_data_fails_its_schema_stays_open_with_each_attempt(capacity, kafka_bootstrap):
    await produce(kafka_bootstrap, capacity.topic, b'{"casus_id": "Jan Jansen 111222333"}', b"k", [
        ("ce_specversion", b"1.0"), ("ce_id", b"letters-schema-1"), ("ce_source", b"test"),
        ("ce_type", CasusAssigned.type.encode()), ("ce_time", b"2026-01-01T00:00:00+00:00")])
    letter = await wait_until(lambda: _letter_of(capacity, "letters-schema-1"))
    assert f"invalid {CasusAssigned.type} data" in letter["reason"]
    for attempt in (1, 2):
        response = await redrive(capacity, letter)
        assert response.status_code == 409, response.text
        assert f"invalid {CasusAssigned.type} data" in response.json()["detail"]
        assert "Jansen" not in response.text and "111222333" not in response.text
        now = (await capacity.get(f"/v1/dode-brieven/{letter['id']}", headers=identity.beheer())).json()
        assert now["status"] == "open" and now["herverwerkingen"] == attempt


async def test_two_re_drives_at_once_apply_the_event_once(capacity, kafka_bootstrap):
    event = assigned(GI.JBRR)
    before = await in_care(capacity, GI.JBRR)
    letter = await poison(capacity, kafka_bootstrap, event)
    del capacity.cause.broken[event.casus_id]
    responses = await asyncio.gather(*(redrive(capacity, letter) for _ in range(3)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409]
    assert await in_care(capacity, GI.JBRR) == before + 1


async def test_a_letter_whose_event_was_handled_already_is_refused(capacity, kafka_bootstrap):
    """Two letters of one event (a copy made here): once one is re-driven, the other changes nothing."""
    event = assigned(GI.JBRR)
    letter = await poison(capacity, kafka_bootstrap, event)
    t = tables.dead_letters
    copied = [c for c in t.c if c.name != "id"]
    async with capacity.app.state.runtime.engine.begin() as conn:
        copy_id = await conn.scalar(sa.insert(t).from_select(
            [c.name for c in copied], sa.select(*copied).where(t.c.id == letter["id"])).returning(t.c.id))
    del capacity.cause.broken[event.casus_id]
    before = await in_care(capacity, GI.JBRR)
    assert (await redrive(capacity, letter)).status_code == 200
    response = await redrive(capacity, {"id": copy_id})
    assert response.status_code == 409 and "was processed already" in response.json()["detail"]
    assert await in_care(capacity, GI.JBRR) == before + 1


async def test_only_beheer_sees_or_re_drives_a_letter_and_an_unknown_one_is_not_found(capacity):
    for path in ("/v1/dode-brieven/987654321", "/v1/dode-brieven/987654321/herverwerking"):
        method = capacity.post if path.endswith("herverwerking") else capacity.get
        response = await method(path, headers=identity.beheer())
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
        for caller in (identity.gi("WSS"), identity.rvdk(), identity.privacy(), identity.regio()):
            assert (await method(path, headers=caller)).status_code == 403
        assert (await method(path)).status_code == 401
    listing = await capacity.get("/v1/dode-brieven", headers=identity.rvdk())
    assert listing.status_code == 403
    assert (await capacity.get("/v1/dode-brieven/0", headers=identity.beheer())).status_code == 400
    assert (await capacity.get("/v1/deadletters", headers=identity.beheer())).status_code == 404
