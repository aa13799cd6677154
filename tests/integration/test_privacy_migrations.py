"""What was stored before events went without free text and names loses it on upgrade: the outboxes
(the durable record, sent again on republication) of caseregie and triage, and intake's copies of
other services' free text in a report's path. Each service's database is migrated to the revision
before, given rows as they were written then, and upgraded."""
import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from contracts.events import event_class
from deploy.stack import database_url_for
from runtime import db
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.intake.bootstrap import SPEC as INTAKE
from services.triage.bootstrap import SPEC as TRIAGE

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
TEXT = "Moeder vertrouwt mevrouw Okafor van JBRR niet"


async def _database_at(spec, revision: str, server_url: str, prefix: str):
    url = database_url_for(server_url, f"upgrade_{spec.name}", prefix)
    await db.ensure_database(url)
    engine = db.create_engine(url)
    await _upgrade(engine, spec, revision)
    return engine


async def _upgrade(engine, spec, revision: str) -> None:
    def run(connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(spec.migrations))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def _outbox(engine, events: dict[str, dict]) -> None:
    async with engine.begin() as conn:
        for event_type, data in events.items():
            await conn.execute(sa.text(
                "INSERT INTO outbox (event_id, topic, key, event_type, subject, source, occurred_at, data) "
                "VALUES (:id, 't', 'k', :type, 's', 'test', :at, CAST(:data AS jsonb))"),
                {"id": str(uuid4()), "type": event_type, "at": NOW, "data": json.dumps(data)})


async def _stored(engine) -> dict[str, dict]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT event_type, data FROM outbox"))).all()
    return {r.event_type: r.data for r in rows}


def _ids(**more) -> dict:
    return {"overdracht_id": str(uuid4()), "casus_id": str(uuid4()), "gemeente": "GM0599", **more}


async def test_caseregies_outbox_loses_free_text_and_managers(database_server_url, database_prefix):
    engine = await _database_at(CASEREGIE, "0006", database_server_url, database_prefix)
    kinderen = [{"kind_id": str(uuid4()), "leeftijd": 4}]
    await _outbox(engine, {
        "nl.jbketen.overdracht.requested.v1": _ids(van_gi="JBRR", naar_gi="WSS", reden=TEXT,
                                                   categorie="relatie", aangevraagd_op=NOW.isoformat()),
        "nl.jbketen.casus.transferred.v1": _ids(van_gi="JBRR", naar_gi="WSS", reden=TEXT, categorie="relatie",
                                                kinderen=kinderen, overgedragen_op=NOW.isoformat()),
        "nl.jbketen.overdracht.approved.v1": _ids(gi="WSS", manager="P. Okafor",
                                                  goedgekeurd_op=NOW.isoformat()),
        "nl.jbketen.overdracht.rejected.v1": _ids(gi="WSS", manager="P. Okafor", reden=TEXT,
                                                  afgewezen_op=NOW.isoformat()),
        "nl.jbketen.jeugdbeschermer.assigned.v1": {
            "casus_id": str(uuid4()), "gemeente": "GM0599", "gi": "JBRR", "jeugdbeschermer_id": "JBRR-Okafor",
            "kinderen": [{"kind_id": str(uuid4()), "wachtdagen": 2}], "toegewezen_op": NOW.isoformat()},
    })
    try:
        await _upgrade(engine, CASEREGIE, "head")
        stored = await _stored(engine)
    finally:
        await engine.dispose()
    assert len(stored) == 5 and "Okafor" not in json.dumps(stored)
    for event_type, data in stored.items():
        event_class(event_type).model_validate(data)  # still reads, as it is now


async def test_triages_outbox_keeps_only_the_generated_part_of_an_override(database_server_url,
                                                                             database_prefix):
    engine = await _database_at(TRIAGE, "0002", database_server_url, database_prefix)
    advies = {"advies_id": str(uuid4()), "melding_id": str(uuid4()), "gezin_id": str(uuid4()),
              "gemeente": "GM0599", "urgentie": "regulier", "doelgroep": "lvb", "gi": "WSS",
              "voorgestelde_gi": "JBRR", "afwijking": True, "afwijking_reden": TEXT,
              "reden": f"De RvdK wijkt af van het voorstel (JBRR): {TEXT}", "bevestigd_door": "rvdk",
              "kinderen": [{"kind_id": str(uuid4()), "leeftijd": 4}], "geadviseerd_op": NOW.isoformat()}
    await _outbox(engine, {"nl.jbketen.advies.issued.v1": advies})
    try:
        await _upgrade(engine, TRIAGE, "head")
        stored = (await _stored(engine))["nl.jbketen.advies.issued.v1"]
    finally:
        await engine.dispose()
    assert "afwijking_reden" not in stored and stored["reden"] == "De RvdK wijkt af van het voorstel (JBRR)."
    event_class("nl.jbketen.advies.issued.v1").model_validate(stored)


async def test_intakes_path_loses_the_free_text_of_other_services(database_server_url, database_prefix):
    engine = await _database_at(INTAKE, "0003", database_server_url, database_prefix)
    stappen = [
        {"stap": "received", "tijdstip": NOW.isoformat(), "details": {"gemeente": "GM0599"}},
        {"stap": "advised", "tijdstip": NOW.isoformat(), "details": {
            "gi": "WSS", "afwijking": True, "afwijking_reden": TEXT,
            "reden": f"De RvdK wijkt af van het voorstel (JBRR): {TEXT}"}},
        {"stap": "transferred", "tijdstip": NOW.isoformat(), "details": {"van_gi": "WSS", "naar_gi": "LJR",
                                                                          "reden": TEXT}},
    ]
    melding_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO meldingen (id, gezin_id, gemeente, urgentie, zorgen, kenmerken, gezin, melder, "
            "ontvangen_op, status, stappen) VALUES (:id, :gezin, 'GM0599', 'regulier', '[]', '[]', '{}', "
            "'{}', :at, 'transferred', CAST(:stappen AS jsonb))"),
            {"id": melding_id, "gezin": uuid4(), "at": NOW, "stappen": json.dumps(stappen)})
    try:
        await _upgrade(engine, INTAKE, "head")
        async with engine.connect() as conn:
            after = await conn.scalar(sa.text("SELECT stappen FROM meldingen WHERE id = :id"),
                                      {"id": melding_id})
    finally:
        await engine.dispose()
    assert "Okafor" not in json.dumps(after)
    assert [s["stap"] for s in after] == ["received", "advised", "transferred"]  # order and steps kept
    assert after[1]["details"] == {"gi": "WSS", "afwijking": True,
                                   "reden": "De RvdK wijkt af van het voorstel (JBRR)."}
    assert after[2]["details"] == {"van_gi": "WSS", "naar_gi": "LJR"}
