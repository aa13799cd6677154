"""capacity's translation between its domain and the wire contract (adapters/wire.py): every domain
event it publishes becomes, byte for byte, the contract event capacity built directly before; every
case event it consumes reads as the domain's Casusgebeurtenis; the live stream and the escalation
API show the same JSON."""
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts import Event
from contracts import events as contract
from contracts.vocabulary import GI
from services.capacity.adapters import wire
from services.capacity.domain import events
from services.capacity.domain.escalatie import Drempels, Regiocijfers, beoordeel
from services.capacity.domain.model import Bezetting, Casusgebeurtenis, GiCapaciteit, Team, Telling, bereken
from services.capacity.entrypoints.api import _sse
from services.capacity.entrypoints.schemas import EscalatieOut

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CASUS, KIND, ANDER = uuid4(), uuid4(), uuid4()


def figuur() -> GiCapaciteit:
    b = Bezetting.melden(caseload_norm=12, teams=[Team("lvb", 4, 1), Team("algemeen", 3)])
    return bereken(GI.WSS, b, {"lvb": Telling(40, 2, NOW - 5 * DAY), "algemeen": Telling(1)}, NOW)


def signal_as_built_before(f: GiCapaciteit,
                           actualiteit: contract.Actualiteit | None) -> contract.CapacitySignal:
    return contract.CapacitySignal(
        gi=f.gi, vrije_plaatsen=f.vrije_plaatsen, plaatsen=f.plaatsen, kinderen_in_zorg=f.kinderen_in_zorg,
        jeugdbeschermers=f.jeugdbeschermers, afwezig=f.afwezig, caseload_norm=f.caseload_norm,
        wachtend=f.wachtend, langste_wachtdagen=f.langste_wachtdagen,
        per_expertise=[contract.ExpertiseCapaciteit(expertise=e.expertise, plaatsen=e.plaatsen,
                                                    kinderen_in_zorg=e.kinderen_in_zorg,
                                                    vrije_plaatsen=e.vrije_plaatsen)
                       for e in f.per_expertise],
        tijdstip=f.bijgewerkt_op, actualiteit=actualiteit)


def cijfers_as_built_before(c: Regiocijfers) -> contract.EscalatieCijfers:
    return contract.EscalatieCijfers(vrije_plaatsen_regio=c.vrije_plaatsen_regio,
                                     gis_op_of_over_norm=c.op_of_over_norm, wachtend=c.wachtend,
                                     langste_wachtdagen=c.langste_wachtdagen)


def regio(vrij=(0, -2, 0), wachtend=30, langste=35) -> Regiocijfers:
    return Regiocijfers.van([
        GiCapaciteit(gi, jeugdbeschermers=10, caseload_norm=10, kinderen_in_zorg=100 - free,
                     wachtend=wachtend if gi == GI.JBRR else 0,
                     langste_wachtdagen=langste if gi == GI.WSS else 0)
        for gi, free in zip(GI, vrij, strict=True)])


def dumped(event) -> dict:
    return event.model_dump(mode="json")


ACTUALITEITEN = [None, contract.Actualiteit.van(None, 0), contract.Actualiteit.van(None, None),
                 contract.Actualiteit.van(NOW - DAY, 17), contract.Actualiteit.van(NOW, 0)]


# -- outgoing: every domain event in CONTRACTS ------------------------------------------------

@pytest.mark.parametrize("actueel", ACTUALITEITEN)
def test_a_capacity_signal_is_the_contract_built_directly(actueel):
    f = figuur()
    domain = f.signal(wire.actualiteit(actueel) if actueel is not None else None)
    assert isinstance(domain, events.CapacitySignal)
    published = wire.to_contract(domain)
    assert type(published) is contract.CapacitySignal
    assert dumped(published) == dumped(signal_as_built_before(f, actueel))
    assert published == signal_as_built_before(f, actueel)


def test_a_signal_of_a_gi_that_never_reported_is_the_contract_built_directly():
    f = bereken(GI.LJR, Bezetting(), {}, NOW)
    assert dumped(wire.to_contract(f.signal())) == dumped(signal_as_built_before(f, None))


def test_raised_and_cleared_are_the_contracts_built_directly():
    hoog = regio()
    open_, raised = beoordeel(None, hoog, Drempels(), NOW, lambda: UUID(int=7))
    assert isinstance(raised, events.EscalationRaised)
    assert dumped(wire.to_contract(raised)) == dumped(contract.EscalationRaised(
        escalatie_id=UUID(int=7), niveau=3, redenen=list(open_.redenen),
        cijfers=cijfers_as_built_before(hoog), gestart_op=NOW, tijdstip=NOW))

    hersteld = regio(vrij=(3, 0, 0), wachtend=20, langste=27)
    _, cleared = beoordeel(open_, hersteld, Drempels(), NOW + DAY)
    assert isinstance(cleared, events.EscalationCleared)
    assert dumped(wire.to_contract(cleared)) == dumped(contract.EscalationCleared(
        escalatie_id=UUID(int=7), hoogste_niveau=3, cijfers=cijfers_as_built_before(hersteld),
        gestart_op=NOW, beeindigd_op=NOW + DAY))


def test_every_published_domain_event_has_its_contract():
    assert set(wire.CONTRACTS) == {events.CapacitySignal, events.EscalationRaised, events.EscalationCleared,
                                   events.EscalatieBevestigd, events.EscalatieWeekcijfer}
    assert all(issubclass(c, Event) for c in wire.CONTRACTS.values())


def test_a_contract_event_stays_as_it_is():
    signal = signal_as_built_before(figuur(), None)
    assert wire.to_contract(signal) is signal


def test_escalation_figures_in_the_api_are_the_contract_built_directly():
    open_, _ = beoordeel(None, regio(), Drempels(), NOW, lambda: UUID(int=1))
    assert wire.escalatiecijfers(open_.cijfers.samengevat()) == cijfers_as_built_before(open_.cijfers)
    out = EscalatieOut.of(open_, NOW + DAY)
    assert out.cijfers == cijfers_as_built_before(open_.cijfers) and out.cijfers_bij_einde is None


@pytest.mark.parametrize("actueel", ACTUALITEITEN[1:])
def test_the_live_stream_sends_the_contract_signal_as_before(actueel):
    f = figuur()
    data = json.dumps(dumped(signal_as_built_before(f, actueel)), separators=(",", ":"))
    assert _sse(42, f, actueel) == f"id: 42\nevent: capaciteit\ndata: {data}\n\n"


def test_actualiteit_reads_as_the_domain_value_and_back():
    for actueel in ACTUALITEITEN[1:]:
        domain = wire.actualiteit(actueel)
        assert domain == events.Actualiteit(actueel.bijgewerkt_tot, actueel.achterstand, actueel.bijgewerkt)


# -- incoming: the case events capacity consumes ---------------------------------------------

def kinderen(*ids):
    return [contract.Kind(kind_id=k, leeftijd=8) for k in ids]


def test_an_assignment_reads_with_its_target_group():
    event = contract.CasusAssigned(casus_id=CASUS, melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599",
                                   gi=GI.WSS, doelgroep="lvb", maatregel="OTS", nieuwe_casus=True,
                                   kinderen=kinderen(KIND, ANDER), toegewezen_op=NOW)
    expected = Casusgebeurtenis("toegewezen", CASUS, (KIND, ANDER), GI.WSS, NOW, "lvb")
    assert wire.casusgebeurtenis(event) == expected


def test_a_protector_reads_at_its_gi():
    event = contract.JeugdbeschermerAssigned(
        casus_id=CASUS, gemeente="GM0599", gi=GI.JBRR, jeugdbeschermer_id=uuid4(),
        kinderen=[contract.WachtendKind(kind_id=KIND, wachtdagen=3)], toegewezen_op=NOW)
    assert wire.casusgebeurtenis(event) == Casusgebeurtenis("beschermer", CASUS, (KIND,), GI.JBRR, NOW)


def test_a_transfer_reads_at_the_new_gi():
    event = contract.CasusTransferred(casus_id=CASUS, overdracht_id=uuid4(), gemeente="GM0599", van_gi=GI.WSS,
                                      naar_gi=GI.LJR, categorie="verhuizing", kinderen=kinderen(KIND),
                                      overgedragen_op=NOW)
    assert wire.casusgebeurtenis(event) == Casusgebeurtenis("overgedragen", CASUS, (KIND,), GI.LJR, NOW)


def test_a_closure_reads_at_its_gi():
    event = contract.CasusClosed(casus_id=CASUS, gezin_id=uuid4(), gemeente="GM0599", gi=GI.LJR,
                                 reden="afschaling", kinderen=kinderen(KIND), gesloten_op=NOW)
    assert wire.casusgebeurtenis(event) == Casusgebeurtenis("gesloten", CASUS, (KIND,), GI.LJR, NOW)


def test_another_event_is_not_a_case_event():
    with pytest.raises(ValueError, match="not a case event"):
        wire.casusgebeurtenis(signal_as_built_before(figuur(), None))


def test_the_log_reads_staffing_as_it_is_and_case_events_as_the_domain_reads_them():
    closure = contract.CasusClosed(casus_id=CASUS, gezin_id=uuid4(), gemeente="GM0599", gi=GI.LJR,
                                   reden="afschaling", kinderen=kinderen(KIND), gesloten_op=NOW)
    staffing = (GI.WSS, Bezetting(3, 0, 15))
    assert wire.logboek([staffing, closure]) == [staffing, wire.casusgebeurtenis(closure)]
