"""Time to acknowledge an escalation, as capacity would send it: an escalation raised to level 2 and
the parties' acknowledgements of each level, straight onto Kafka (capacity.escalaties, CloudEvents
as the chain's services publish them); reporting consumes them and GET /v1/kpis shows
tijd_tot_bevestiging for the quarter: whole minutes from the level's start, per party and level,
each acknowledgement once."""

import uuid
from datetime import timedelta

import pytest

from contracts.events import EscalatieBevestigd, EscalationCleared, EscalationRaised
from runtime.clock import local_date
from runtime.cloudevents import CloudEvent
from tests import identity
from tests.clock import running
from tests.infra import produce, wait_until

pytestmark = pytest.mark.e2e

CIJFERS = {"vrije_plaatsen_regio": -2, "gis_op_of_over_norm": ["JBRR", "WSS", "LJR"], "wachtend": 30,
           "langste_wachtdagen": 40}


async def _send(bootstrap: str, event) -> None:
    ce = CloudEvent.wrap(event, "capacity", running().now())
    await produce(bootstrap, event.topic.name, ce.value(), event.key.encode(), ce.headers())


async def _figure(client, kwartaal: str) -> dict:
    r = await client.get("/v1/kpis", params={"periode": kwartaal, "kpi": "tijd_tot_bevestiging"},
                         headers=identity.regio())
    assert r.status_code == 200, r.text
    return next(k for k in r.json()["kpis"] if k["kpi"] == "tijd_tot_bevestiging")


async def test_acknowledgements_sent_by_capacity_show_up_as_time_to_acknowledge(http, kafka_bootstrap):
    reporting = http["reporting"]
    nu = running().now()
    dag = local_date(nu)
    kwartaal = f"{dag.year}-Q{(dag.month - 1) // 3 + 1}"
    voor = await _figure(reporting, kwartaal)

    eid = uuid.uuid4()
    niveau_1, niveau_2 = nu - timedelta(minutes=1500), nu - timedelta(minutes=37, seconds=30)
    common = {"escalatie_id": eid, "gestart_op": niveau_1}
    raised = {**common, "redenen": ["Alle GI's op of over hun norm."], "cijfers": CIJFERS,
              "escalatieplan_versie": "2026.1"}
    bevestigingen = [  # party, level, since: minutes to acknowledge at `nu`
        ("rvdk", 1, niveau_1 + timedelta(minutes=1500 - 97)),  # 97
        ("WSS", 1, niveau_1),  # 1500: past the plan's 24 hours, which is why level 2 came
        ("grjr", 2, niveau_2),  # 37 (whole minutes, rounded down)
    ]
    events = [
        EscalationRaised(**raised, niveau=1, tijdstip=niveau_1),
        EscalationRaised(**raised, niveau=2, tijdstip=niveau_2),
        *(EscalatieBevestigd(**common, partij=p, niveau=n, niveau_sinds=s, bevestigd_op=nu)
          for p, n, s in bevestigingen),
        # The same acknowledgement of WSS recorded again, later: it counts once, its first.
        EscalatieBevestigd(**common, partij="WSS", niveau=1, niveau_sinds=niveau_1,
                           bevestigd_op=nu + timedelta(minutes=5)),
        EscalationCleared(**common, hoogste_niveau=2, cijfers=CIJFERS, beeindigd_op=nu),
    ]
    for event in events:
        await _send(kafka_bootstrap, event)

    async def counted():
        now = await _figure(reporting, kwartaal)
        return now if (now["aantal"] or 0) >= (voor["aantal"] or 0) + 3 else None

    now = await wait_until(counted, timeout=60, interval=0.5)
    assert now["aantal"] == (voor["aantal"] or 0) + 3  # once per party and level
    before = voor["verdeling"] or {}
    for minuten in ("97", "1500", "37"):
        assert now["verdeling"][minuten] == before.get(minuten, 0) + 1, minuten
    assert now["eenheid"] == "minuten" and (now["per_gi"], now["per_gemeente"]) == ({}, {})  # regional
    assert {"rvdk", "WSS", "grjr"} <= set(now["uitsplitsingen"]["partij"])
    assert {"1", "2"} <= set(now["uitsplitsingen"]["niveau"])
    catalogus = (await reporting.get("/v1/kpis/catalogus", headers=identity.regio())).json()
    entry = next(k for k in catalogus["kpis"] if k["id"] == "tijd_tot_bevestiging")
    assert entry["soort"] == "verdeling" and entry["uitsplitsingen"] == ["partij", "niveau"]
