"""Out-of-home placements, youth care and C&A as a GI's system and triage would send them, straight
onto Kafka (CloudEvents, as the chain's services publish them), for a report that went through the
running chain: reporting consumes them (caseregie.casussen and triage.consultaties) and they show
up in GET /v1/kpis per GI, with the agreed C&A shares beside the hours. And the same through the
services' own endpoints: what a GI's system and a local team record over HTTP is counted once."""

import json
import uuid
from datetime import date, datetime, timedelta

import pytest

from contracts.events import (
    CasusAssigned,
    ConsultatieRequested,
    ConsultatieUrenRecorded,
    JeugdhulpStarted,
    MaatregelImposed,
    MeldingReceived,
    UithuisplaatsingEnded,
    UithuisplaatsingStarted,
)
from runtime.cloudevents import CloudEvent
from tests import identity
from tests.clock import TODAY, running
from tests.e2e.helpers import casus, post_melding, until_status
from tests.fixtures import melding
from tests.infra import header, produce, read_topic, wait_until

pytestmark = pytest.mark.e2e


async def kpis(client, **params) -> dict:
    r = await client.get("/v1/kpis", params=params, headers=identity.regio())
    assert r.status_code == 200, r.text
    return {k["kpi"]: k for k in r.json()["kpis"]}


async def _event_of(bootstrap: str, kind, melding_id: str) -> dict:
    """The chain's event of this kind for the report, as it is on its topic."""
    async def found():
        records = await read_topic(bootstrap, kind.topic.name)
        return next((json.loads(r.value) for r in records if header(r, "ce_type") == kind.type
                     and json.loads(r.value)["melding_id"] == melding_id), None)
    return await wait_until(found, timeout=60, interval=0.5)


async def _send(bootstrap: str, event, source: str) -> None:
    ce = CloudEvent.wrap(event, source, running().now())
    await produce(bootstrap, event.topic.name, ce.value(), event.key.encode(), ce.headers())


def _gi(figure: dict, gi: str):
    return figure["per_gi"].get(gi) or 0


async def test_placements_youth_care_and_c_and_a_sent_by_the_chain_show_up_in_the_kpis(
        http, kafka_bootstrap):
    reporting = http["reporting"]
    melding_id = await post_melding(http, melding())
    case = await _event_of(kafka_bootstrap, CasusAssigned, melding_id)
    measure = await _event_of(kafka_bootstrap, MaatregelImposed, melding_id)
    gi, gemeente, kind = case["gi"], case["gemeente"], case["kinderen"][0]["kind_id"]
    start = date.fromisoformat(measure["startdatum"])
    voor = await kpis(reporting)
    report = await _event_of(kafka_bootstrap, MeldingReceived, melding_id)
    ontvangen = datetime.fromisoformat(report["ontvangen_op"])

    nu = running().now()
    common = {"casus_id": case["casus_id"], "gemeente": gemeente, "gi": gi, "kind_id": kind,
              "geregistreerd_op": nu}
    netwerk = uuid.uuid4()
    for event in (
        # Placed with an aunt during the investigation, then on a 24-hour crisis bed: still there.
        UithuisplaatsingStarted(plaatsing_id=netwerk, gezin_id=case["gezin_id"], vorm="netwerkpleegzorg",
                                in_netwerk=True, startdatum=start - timedelta(days=20), **common),
        UithuisplaatsingEnded(plaatsing_id=netwerk, vorm="netwerkpleegzorg", in_netwerk=True,
                              startdatum=start - timedelta(days=20), einddatum=start - timedelta(days=6),
                              **common),
        UithuisplaatsingStarted(plaatsing_id=uuid.uuid4(), gezin_id=case["gezin_id"],
                                vorm="crisisplek_24uurs", in_netwerk=False,
                                startdatum=start - timedelta(days=6), **common),
        JeugdhulpStarted(jeugdhulp_id=uuid.uuid4(), gezin_id=case["gezin_id"], vorm="ambulant",
                         startdatum=start, **common),
    ):
        await _send(kafka_bootstrap, event, "caseregie")
    # The local team asked LJR for C&A about this family a month before the report.
    consultatie = uuid.uuid4()
    gevraagd = ontvangen - timedelta(days=30)
    await _send(kafka_bootstrap, ConsultatieRequested(
        consultatie_id=consultatie, gemeente=gemeente, categorie="opvoeding", gezin_id=case["gezin_id"],
        gi="LJR", expertise=None, reden="Geen expertise genoemd: de GI het verst onder haar aandeel.",
        aangevraagd_op=gevraagd), "triage")
    await _send(kafka_bootstrap, ConsultatieUrenRecorded(
        consultatie_id=consultatie, registratie_id=uuid.uuid4(), gemeente=gemeente, categorie="opvoeding",
        gi="LJR", uren=1.5, datum=gevraagd.date() + timedelta(days=1), geregistreerd_op=nu), "triage")

    verwacht = {  # KPI -> (GI, added)
        "uithuisplaatsingen_gestart": (gi, 2), "uithuisplaatsingen_netwerk": (gi, 1),
        "uithuisplaatsingen_24uurs": (gi, 1), "kinderen_uithuisgeplaatst": (gi, 1),
        "kinderen_jeugdhulp_binnen_3_maanden": (measure["gi"], 1), "consultaties": ("LJR", 1),
        "consultatie_uren": ("LJR", 1.5), "meldingen_na_consultatie": (gi, 1),
    }

    async def counted():
        now = await kpis(reporting)
        klaar = all(_gi(now[k], g) >= _gi(voor[k], g) + n for k, (g, n) in verwacht.items())
        duur, eerder = now["duur_uithuisplaatsing"]["aantal"], voor["duur_uithuisplaatsing"]["aantal"]
        geeindigd = (duur or 0) > (eerder or 0)
        return now if klaar and geeindigd else None

    now = await wait_until(counted, timeout=60, interval=0.5)
    for k, (g, n) in verwacht.items():
        assert round(_gi(now[k], g) - _gi(voor[k], g), 2) == n, k  # once, not more
    assert now["duur_uithuisplaatsing"]["aantal"] == (voor["duur_uithuisplaatsing"]["aantal"] or 0) + 1
    assert now["duur_uithuisplaatsing"]["verdeling"].get("14", 0) >= 1

    # The hours against the agreed share of the year; the catalogue defines every new KPI.
    jaar = await kpis(reporting, periodeType="jaar", kpi="aandeel_consultatie_uren")
    aandeel = jaar["aandeel_consultatie_uren"]
    assert aandeel["afgesproken_aandelen"] == {"JBRR": 45.0, "WSS": 30.0, "LJR": 25.0}
    assert aandeel["per_gi"]["LJR"] > 0 and aandeel["waarde"] == 100.0
    catalogus = (await reporting.get("/v1/kpis/catalogus", headers=identity.regio())).json()
    assert {"aandeel_jeugdhulp_binnen_3_maanden", "aandeel_uithuisplaatsingen_netwerk",
            "aandeel_meldingen_na_consultatie", *verwacht} <= {k["id"] for k in catalogus["kpis"]}


async def test_what_a_gi_and_a_local_team_record_over_http_shows_up_in_the_kpis(http):
    """The whole path: WSS's system records a placement and youth care on its case (caseregie), the
    local team asks for C&A in a factsheet category and WSS records its hours (triage); reporting
    counts each once, at WSS."""
    reporting, wss = http["reporting"], identity.gi("WSS")
    voor = await kpis(reporting)
    melding_id = await post_melding(http, melding(kenmerken=["lvb_kind"]))  # an LVB child: WSS
    case = await casus(http, (await until_status(http, melding_id, "assigned"))["casus_id"], "WSS")
    kind_id, start = case["kinderen"][0]["kind_id"], case["maatregelen"][0]["startdatum"]
    placed = await http["caseregie"].post(
        f"/v1/casussen/{case['id']}/uithuisplaatsingen", headers=wss,
        json={"kind_id": kind_id, "vorm": "gezinshuis", "in_netwerk": False, "startdatum": start})
    hulp = await http["caseregie"].post(f"/v1/casussen/{case['id']}/jeugdhulptrajecten", headers=wss,
                                        json={"kind_id": kind_id, "vorm": "ambulant", "startdatum": start})
    assert placed.status_code == hulp.status_code == 201, (placed.text, hulp.text)
    vraag = await http["triage"].post("/v1/consultaties", headers=identity.lokaal_team(case["gemeente"]),
                                      json={"gemeente": case["gemeente"], "categorie": "lvb"})
    assert vraag.status_code == 201 and vraag.json()["gi"] == "WSS", vraag.text
    uren = await http["triage"].post(f"/v1/consultaties/{vraag.json()['id']}/uren", headers=wss,
                                     json={"uren": 2.25, "datum": str(TODAY)})
    assert uren.status_code == 201, uren.text
    verwacht = {"uithuisplaatsingen_gestart": 1, "kinderen_uithuisgeplaatst": 1,
                "kinderen_jeugdhulp_binnen_3_maanden": 1, "consultaties": 1, "consultatie_uren": 2.25}

    async def counted():
        now = await kpis(reporting)
        done = all(_gi(now[k], "WSS") >= _gi(voor[k], "WSS") + n for k, n in verwacht.items())
        return now if done else None

    now = await wait_until(counted, timeout=60, interval=0.5)
    for k, n in verwacht.items():
        assert round(_gi(now[k], "WSS") - _gi(voor[k], "WSS"), 2) == n, k  # once, not more
