"""triage's domain events in the wire contract: every event type translates, field for field, and
what is published is byte for byte what the domain built as contract events before it had events
of its own; a received report becomes the domain's own value."""
import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from contracts import Event
from contracts import events as contract
from contracts.vocabulary import GI, AfwijkingReden, Maatregel, Urgentie
from services.triage.adapters import regelsets, wire
from services.triage.domain import events
from services.triage.domain.model import Advies, Melding, afwijking_uitleg, bepaal_doelgroep

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
REGELSET = regelsets.nieuwste_bestand().regelset


def received(**changes) -> contract.MeldingReceived:
    values = dict(melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie="spoed", kader="straf",
                  kinderen=[contract.Kind(kind_id=uuid4(), leeftijd=a) for a in (15, 9)],
                  zorgen=["crimineel_gedrag"], kenmerken=["lvb_kind"], ontvangen_op=NOW)
    return contract.MeldingReceived(**{**values, **changes})


def advies(event: contract.MeldingReceived) -> tuple[Melding, Advies]:
    melding = wire.melding(event)
    besluit = bepaal_doelgroep(REGELSET, melding.zorgen, melding.kenmerken, melding.leeftijden, melding.kader)
    return melding, Advies.voorstel(melding, besluit, {GI.JBRR: 2, GI.WSS: 0, GI.LJR: 7}, NOW)


def kinderen(a: Advies) -> list[contract.Kind]:
    return [contract.Kind(kind_id=k.kind_id, leeftijd=k.leeftijd) for k in a.kinderen]


# --- incoming: a received report becomes triage's own value --------------------------------------

def test_a_received_report_becomes_a_melding():
    event = received()
    melding = wire.melding(event)
    assert isinstance(melding, Melding)
    assert (melding.melding_id, melding.gezin_id, melding.gemeente) == (event.melding_id, event.gezin_id,
                                                                        "GM0599")
    assert (melding.urgentie, melding.kader) == (Urgentie.SPOED, "straf")
    assert (melding.zorgen, melding.kenmerken) == (["crimineel_gedrag"], ["lvb_kind"])
    assert all(isinstance(k, events.Kind) for k in melding.kinderen)
    assert [(k.kind_id, k.leeftijd) for k in melding.kinderen] == [
        (k.kind_id, k.leeftijd) for k in event.kinderen]
    assert melding.leeftijden == [15, 9]
    assert wire.melding(received(kader=None)).kader is None


# --- outgoing: every domain event has its contract, field for field -----------------------------

def test_every_domain_event_has_its_contract():
    domain_events = {cls for cls in vars(events).values()
                     if dataclasses.is_dataclass(cls) and cls is not events.Kind}
    assert set(wire.CONTRACTS) == domain_events
    assert all(issubclass(c, Event) for c in wire.CONTRACTS.values())


def domain_events() -> list[object]:
    melding, a = advies(received())
    completed = bepaal_doelgroep(REGELSET, melding.zorgen, melding.kenmerken, melding.leeftijden,
                                 melding.kader).completed_event(melding, NOW)
    return [completed, *a.bevestig_automatisch(NOW)]


@pytest.mark.parametrize("event", domain_events(), ids=lambda e: type(e).__name__)
def test_a_domain_event_translates_field_for_field(event):
    translated = wire.to_contract(event)
    assert type(translated) is wire.CONTRACTS[type(event)]
    assert translated.model_dump() == dataclasses.asdict(event)
    assert back(type(event), translated) == event


def back(cls: type, translated: Event) -> object:
    """The domain event again, of its contract event's fields."""
    values = translated.model_dump()
    if "kinderen" in values:
        values["kinderen"] = [events.Kind(**k) for k in values["kinderen"]]
    return cls(**values)


def test_a_contract_event_stays_as_it_is():
    event = received()
    assert wire.to_contract(event) is event


# --- the bytes published are those of before -------------------------------------------------

def same_bytes(event: object, before: Event) -> None:
    translated = wire.to_contract(event)
    assert translated.model_dump(mode="json") == before.model_dump(mode="json")
    assert translated.model_dump_json() == before.model_dump_json()


def test_triage_completed_is_published_as_before():
    melding, _ = advies(received())
    besluit = bepaal_doelgroep(REGELSET, melding.zorgen, melding.kenmerken, melding.leeftijden, melding.kader)
    before = contract.TriageCompleted(
        melding_id=melding.melding_id, gezin_id=melding.gezin_id, gemeente=melding.gemeente,
        doelgroep=besluit.doelgroep, expertise=besluit.expertise, geschikte_gis=list(besluit.geschikte_gis),
        regelset_versie=besluit.regelset_versie, regel=besluit.regel, toelichting=besluit.toelichting,
        besloten_op=NOW)
    same_bytes(besluit.completed_event(melding, NOW), before)


def issued_before(a: Advies) -> contract.AdviesIssued:
    categorie = a.afwijking_categorie if a.afwijking else None
    reden = afwijking_uitleg(a.voorgestelde_gi, categorie) if a.afwijking else a.reden
    return contract.AdviesIssued(
        advies_id=a.id, melding_id=a.melding_id, gezin_id=a.gezin_id, gemeente=a.gemeente,
        urgentie=a.urgentie, doelgroep=a.doelgroep, gi=a.gi, reden=reden,
        voorgestelde_gi=a.voorgestelde_gi, afwijking=a.afwijking, afwijking_categorie=categorie,
        bevestigd_door=a.bevestigd_door, kinderen=kinderen(a), geadviseerd_op=a.geadviseerd_op)


def test_a_confirmed_advice_is_published_as_before():
    _, a = advies(received())
    same_bytes(a.bevestig(NOW, toelichting="Eens."), issued_before(a))


def test_an_overridden_advice_is_published_as_before():
    _, a = advies(received())
    andere = next(gi for gi in GI if gi != a.voorgestelde_gi)
    same_bytes(a.wijk_af(andere, "Broer zit al daar.", NOW, AfwijkingReden.CONTINUITEIT), issued_before(a))


@pytest.mark.parametrize("maatregel", [Maatregel.OTS, Maatregel.DRANG])
def test_a_measure_is_published_as_before(maatregel):
    _, a = advies(received())
    a.bevestig(NOW)
    event = a.leg_maatregel_op(maatregel, NOW.date() + timedelta(days=3), NOW, gi=GI.JBRR)
    b = a.maatregel
    before = contract.MaatregelImposed(
        maatregel_id=b.id, melding_id=a.melding_id, advies_id=a.id, gezin_id=a.gezin_id,
        gemeente=a.gemeente, doelgroep=a.doelgroep, maatregel=b.maatregel, route=b.route,
        raadsonderzoek=b.raadsonderzoek, startdatum=b.startdatum, gi=b.gi, kinderen=kinderen(a),
        opgelegd_op=NOW)
    same_bytes(event, before)
