"""A poison event on every topic while reports flow: each service that reads it dead-letters it with
its reason and carries on; beheer lists the letters on GET /v1/dode-brieven (never their payload).

One real event is made poison by a cause outside it: a trigger in caseregie's database refuses the
cases of one municipality, as a faulty migration or constraint would. Its MaatregelImposed is
dead-lettered, its report waits; re-driving it fails while the trigger is there and, once it is
dropped, makes the case: that report assigned once, like every other one (the ledger's check)."""
import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from contracts import TOPICS
from contracts.events import (
    CapacitySignal,
    CasusAssigned,
    ConsultatieRequested,
    MaatregelImposed,
    MeldingReceived,
)
from contracts.topics import ADVIEZEN, CAPACITY_SIGNALS, CASUSSEN, CONSULTATIES, ESCALATIES, MELDINGEN, TRIAGE
from deploy.stack import database_url_for
from services.capacity.bootstrap import SPEC as capacity
from services.caseregie.bootstrap import SPEC as caseregie
from services.intake.bootstrap import SPEC as intake
from services.reporting.bootstrap import SPEC as reporting
from services.triage.bootstrap import SPEC as triage
from tests import identity
from tests.faults.ledger import Chain, Ledger, check, drive, post
from tests.fixtures import melding
from tests.infra import produce, wait_until

pytestmark = pytest.mark.faults

CONSUMERS = {"intake": intake, "triage": triage, "caseregie": caseregie, "capacity": capacity,
             "reporting": reporting}
REFUSED = "GM0606"  # the municipality whose cases caseregie's database refuses until fixed
SECRET = "Jan Jansen 123456782"  # in a poison's payload: never in a letter beheer reads

NO_ENVELOPE, UNREADABLE, INVALID = "missing CloudEvents headers", "unreadable event", "invalid"
POISONS = [  # (topic, what is wrong, the type it claims to be)
    (MELDINGEN, INVALID, MeldingReceived),
    (TRIAGE, NO_ENVELOPE, None),
    (ADVIEZEN, UNREADABLE, MaatregelImposed),
    (CASUSSEN, INVALID, CasusAssigned),
    (CAPACITY_SIGNALS, INVALID, CapacitySignal),
    (ESCALATIES, UNREADABLE, None),
    (CONSULTATIES, INVALID, ConsultatieRequested),
]
CAUSE = f"""
CREATE FUNCTION refuse_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'cases of % refused', NEW.gemeente; END $$;
CREATE TRIGGER refuse_cases BEFORE INSERT ON casussen FOR EACH ROW
    WHEN (NEW.gemeente = '{REFUSED}') EXECUTE FUNCTION refuse_cases();
"""
FIX = "DROP TRIGGER refuse_cases ON casussen; DROP FUNCTION refuse_cases();"


def _record(what: str, event_type) -> tuple[str, bytes, list]:
    """A poison record: its event id, value and headers."""
    event_id = str(uuid.uuid4())
    headers = [("ce_id", event_id), ("ce_source", "poison"), ("ce_specversion", "1.0"),
               ("ce_type", event_type.type if event_type else "nl.jbketen.unknown.v1"),
               ("ce_time", "2026-03-02T10:00:00+01:00")]
    if what == NO_ENVELOPE:
        return None, f'{{"melding_id": "{SECRET}"}}'.encode(), []
    value = b"\xff{ not json " + SECRET.encode() if what == UNREADABLE else \
        f'{{"melding_id": "{SECRET}", "gi": 7}}'.encode()
    return event_id, value, [(k, v.encode()) for k, v in headers]


def _readers(topic, event_type, what: str) -> set[str]:
    """The services that dead-letter this poison: every reader of its topic when the record
    cannot be read at all, else those that handle its type."""
    return {name for name, spec in CONSUMERS.items() if topic.name in spec.topics
            and (what != INVALID or event_type.type in spec.handled_types)}


async def _send_poisons(chain: Chain) -> dict[tuple[str, str, str | None], str]:
    """One poison on every topic a service of the chain reads (triage.regelsets is for the RvdK's
    and the GIs' systems); the letters expected: (service, topic, event id) -> reason."""
    read = {name for spec in CONSUMERS.values() for name in spec.topics}
    assert {t.name for t, *_ in POISONS} == read and read <= {t.name for t in TOPICS}
    expected = {}
    for topic, what, event_type in POISONS:
        event_id, value, headers = _record(what, event_type)
        await produce(chain.broker.bootstrap, topic.name, value, b"poison", headers)
        readers = _readers(topic, event_type, what)
        assert readers, topic.name
        expected |= {(service, topic.name, event_id): what for service in readers}
    return expected


async def _letters(chain: Chain, service: str, status: str | None = None) -> list[dict]:
    params = {"pageSize": 200, **({"status": status} if status else {})}
    r = await chain.http[service].get("/v1/dode-brieven", params=params, headers=identity.beheer())
    assert r.status_code == 200, r.text
    assert SECRET not in r.text and "123456782" not in r.text
    return r.json()["items"]


async def _all_letters(chain: Chain) -> dict[tuple[str, str, str | None], dict]:
    found = {}
    for service in CONSUMERS:
        found |= {(service, letter["topic"], letter["event_id"]): letter
                  for letter in await _letters(chain, service)}
    return found


async def _in_caseregie(chain: Chain, sql: str) -> None:
    url = database_url_for(chain.stack.database_server_url, "caseregie", chain.stack.database_prefix)
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _refused_letter(chain: Chain) -> dict | None:
    return next((letter for letter in await _letters(chain, "caseregie", "open")
                 if letter["event_type"] == MaatregelImposed.type and letter["topic"] == ADVIEZEN.name), None)


async def _redrive(chain: Chain, service: str, letter: dict):
    return await chain.http[service].post(f"/v1/dode-brieven/{letter['id']}/herverwerking",
                                          headers=identity.beheer())


async def test_poison_events_are_dead_lettered_while_the_chain_carries_on(chain):
    await _in_caseregie(chain, CAUSE)
    ledger = Ledger()
    driving = asyncio.create_task(drive(chain, ledger, rate=8, seconds=5))
    await asyncio.sleep(1)
    expected = await _send_poisons(chain)
    await post(chain, ledger, melding(gemeente=REFUSED))
    await driving
    refused = next(m for m, report in ledger.accepted.items() if report["gemeente"] == REFUSED)

    letters = await wait_until(lambda: _expected_letters(chain, expected), timeout=60, interval=0.5)
    for where, what in expected.items():
        assert letters[where]["status"] == "open" and what in letters[where]["reason"], letters[where]
    cause = await wait_until(lambda: _refused_letter(chain), timeout=60, interval=0.5)
    assert "failed after" in cause["reason"] and "P0001" in cause["reason"], cause

    still = await _redrive(chain, "caseregie", cause)
    assert still.status_code == 409 and still.json()["title"] == "The event still cannot be processed"
    assert (await _intake_status(chain, ledger, refused)) not in ("assigned", None)
    await _in_caseregie(chain, FIX)
    fixed = await _redrive(chain, "caseregie", cause)
    assert fixed.status_code == 200 and fixed.json()["status"] == "herverwerkt", fixed.text
    poison = next(letters[w] for w, what in expected.items() if w[0] == "reporting" and what == INVALID)
    assert (await _redrive(chain, "reporting", poison)).status_code == 409  # its cause is in the record

    await check(chain, ledger)  # every report assigned once, the refused one too
    assert set(await _all_letters(chain)) == set(expected) | {("caseregie", ADVIEZEN.name, cause["event_id"])}
    assert [letter["id"] for letter in await _letters(chain, "caseregie", "herverwerkt")] == [cause["id"]]


async def _expected_letters(chain: Chain, expected) -> dict | None:
    letters = await _all_letters(chain)
    return letters if set(expected) <= set(letters) else None


async def _intake_status(chain: Chain, ledger: Ledger, melding_id: str) -> str | None:
    report = ledger.accepted[melding_id]
    r = await chain.http["intake"].get(f"/v1/meldingen/{melding_id}",
                                       headers=identity.lokaal_team(report["gemeente"]))
    return r.json().get("status")
