"""Issue #16, section 2: a simulation over a generated year gives the same figures as actually
replaying that year live with the candidate.

Stack A played the year with the active ruleset, stack B with the candidate active from the start
(conftest.py, driver.py). Once both played, with the clock after the year:
- the simulation on A with the candidate: its `gesimuleerd` is what B really did (B's own
  simulation's `werkelijk`), month by month and GI by GI, all five figures and the escalations;
- the simulation on A (and on B) without a change: `gesimuleerd` is `werkelijk`;
- the candidate changes something on A (`gesimuleerd` differs from `werkelijk`);
- `werkelijk` is what the play saw from outside (model.maandcijfers of the play's record);
- a simulation publishes nothing (every topic's end offsets unchanged) and changes no row in
  triage's database but its own (`simulaties`, and the processing log's record of the children whose
  courses it read, one per child).
"""
import asyncio

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.stack import database_url_for
from runtime.settings import to_async_url
from tests.e2e_simulatie.jaar import DREMPELS, KANDIDAAT_VERSIE, kandidaat
from tests.e2e_simulatie.model import FIGUREN, maandcijfers, verschillen

SIMULATIES = "/v1/simulaties"
EIGEN_TABEL = "simulaties"
pytestmark = pytest.mark.e2e


async def simuleer(gespeeld, **body) -> dict:
    """POST a simulation of the played year as the RvdK; its Location answers the same."""
    http = gespeeld.http["triage"]
    r = await http.post(SIMULATIES, headers=gespeeld.tokens.rvdk(),
                        json={"periode": gespeeld.jaar.periode, "drempels": DREMPELS, **body})
    assert r.status_code == 201, r.text
    simulatie = r.json()
    assert r.headers["location"] == f"{SIMULATIES}/{simulatie['id']}"
    opgehaald = await http.get(r.headers["location"],
                               headers={**gespeeld.tokens.rvdk(), "Accept": "application/json"})
    assert opgehaald.status_code == 200 and opgehaald.json() == simulatie, opgehaald.text
    assert simulatie["periode"] == gespeeld.jaar.periode
    assert simulatie["meldingen"] == len(gespeeld.jaar.meldingen)
    assert [m["maand"] for m in simulatie["maanden"]] == gespeeld.jaar.maanden
    return simulatie


def kant(simulatie: dict, welke: str) -> list[dict]:
    """One side of a simulation (`werkelijk` or `gesimuleerd`) as model.maandcijfers gives figures."""
    return [{"maand": m["maand"], "escalaties": m["escalaties"][welke],
             "gis": [{"gi": g["gi"], **{f: g[welke][f] for f in FIGUREN}} for g in m["gis"]]}
            for m in simulatie["maanden"]]


@pytest.fixture(scope="module")
async def a_met_kandidaat(stack_a):
    return await simuleer(stack_a, regelset=kandidaat())


@pytest.fixture(scope="module")
async def a_zonder_wijziging(stack_a):
    return await simuleer(stack_a)


@pytest.fixture(scope="module")
async def b_zonder_wijziging(stack_b):
    return await simuleer(stack_b)


async def test_the_candidate_simulated_on_a_is_what_b_really_did(a_met_kandidaat, b_zonder_wijziging):
    assert a_met_kandidaat["regelset_versie"] == KANDIDAAT_VERSIE
    assert b_zonder_wijziging["regelset_versie"] == KANDIDAAT_VERSIE  # B's active ruleset
    assert verschillen(kant(b_zonder_wijziging, "werkelijk"), kant(a_met_kandidaat, "gesimuleerd"),
                       "B werkelijk vs A gesimuleerd: ") == []


@pytest.mark.parametrize("stack", ["a", "b"])
async def test_without_a_change_the_simulation_is_what_happened(stack, a_zonder_wijziging,
                                                               b_zonder_wijziging):
    simulatie = {"a": a_zonder_wijziging, "b": b_zonder_wijziging}[stack]
    assert verschillen(kant(simulatie, "werkelijk"), kant(simulatie, "gesimuleerd")) == []


async def test_the_candidate_changes_what_happens_on_a(a_met_kandidaat):
    anders = verschillen(kant(a_met_kandidaat, "werkelijk"), kant(a_met_kandidaat, "gesimuleerd"))
    assert any(" toegewezen:" in regel for regel in anders), anders
    assert any(" wachtend:" in regel for regel in anders), anders


@pytest.mark.parametrize("stack", ["a", "b"])
async def test_werkelijk_is_what_the_play_saw(stack, stack_a, stack_b, a_zonder_wijziging,
                                              b_zonder_wijziging):
    gespeeld, simulatie = {"a": (stack_a, a_zonder_wijziging), "b": (stack_b, b_zonder_wijziging)}[stack]
    gezien = maandcijfers(gespeeld.jaar, gespeeld.verloop)
    assert verschillen(gezien, kant(simulatie, "werkelijk"), f"{stack}: play vs werkelijk: ") == []


async def _eindes(bootstrap: str) -> dict[tuple[str, int], int]:
    """The end offset of every partition of every topic on the broker."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in await consumer.topics()
                      for p in consumer.partitions_for_topic(t) or ()]
        return {(tp.topic, tp.partition): end for tp, end in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


# A simulation reads children's courses: the processing log records that read (NEN 7513), one record
# per child, with the simulation as its resource. Those records are the simulation's own too.
EIGEN_VERWERKINGEN = "resource_type = 'simulatie'"


async def _triage_db(gespeeld, query, **params):
    url = database_url_for(gespeeld.stack.database_server_url, "triage", gespeeld.database_prefix)
    engine = create_async_engine(to_async_url(url))
    try:
        async with engine.connect() as conn:
            return await query(conn, **params)
    finally:
        await engine.dispose()


async def _rijen(gespeeld) -> dict[str, int]:
    """The rows of every table in triage's database but the simulations' own."""
    async def tel(conn):
        tabellen = (await conn.execute(sa.text(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"))).all()
        rijen = {}
        for schema, tabel in tabellen:
            if tabel == EIGEN_TABEL:
                continue
            waar = f" WHERE NOT ({EIGEN_VERWERKINGEN})" if tabel == "verwerkingen" else ""
            rijen[f"{schema}.{tabel}"] = await conn.scalar(
                sa.text(f'SELECT count(*) FROM "{schema}"."{tabel}"{waar}'))
        return rijen
    return await _triage_db(gespeeld, tel)


async def _eigen_verwerkingen(gespeeld, simulatie_id: str) -> int:
    async def tel(conn):
        return await conn.scalar(sa.text(f"SELECT count(*) FROM verwerkingen WHERE {EIGEN_VERWERKINGEN} "
                                         "AND resource_id = :id"), {"id": simulatie_id})
    return await _triage_db(gespeeld, tel)


async def test_a_simulation_publishes_nothing_and_changes_no_row_of_the_chain(stack_a):
    await stack_a.stilte.wacht()
    eindes, rijen = await _eindes(stack_a.bootstrap), await _rijen(stack_a)
    assert len(rijen) > 10 and sum(rijen.values()) > 0
    simulatie = await simuleer(stack_a, regelset=kandidaat(),
                               bezetting={"WSS": {"jeugdbeschermers_erbij": 2}})
    assert simulatie["maanden"]
    await asyncio.sleep(1)  # an event would be in an outbox now: the relay sends within a poll
    await stack_a.stilte.wacht()
    assert await _eindes(stack_a.bootstrap) == eindes
    assert await _rijen(stack_a) == rijen
    # Its own: the read of every child whose course it replayed, once.
    kinderen = sum(len(m.kinderen) for m in stack_a.jaar.meldingen.values())
    assert await _eigen_verwerkingen(stack_a, simulatie["id"]) == kinderen
