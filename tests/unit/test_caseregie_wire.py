"""caseregie's domain events and the wire contract: every domain event goes out as exactly the
contract event the domain built before it had events of its own (the same bytes), and a contract
event read from a topic (a measure, a case event for the webhooks) becomes the domain's."""
import typing
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from contracts import events as contract
from contracts.vocabulary import (
    GI,
    AfwijzingReden,
    Jeugdhulpvorm,
    Maatregel,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)
from services.caseregie.adapters import wire
from services.caseregie.domain import events
from services.caseregie.domain.webhooks import WEBHOOK_EVENTS
from services.caseregie.service_layer.handlers import EVENT_HANDLERS, on_maatregel_imposed
from services.caseregie.service_layer.webhooks import on_casus_event

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CASUS, OVERDRACHT, GEZIN, MELDING, KIND, MANAGER = (uuid4() for _ in range(6))
GI_REDEN = "Eén gezin, één plan: het gezin heeft al een open casus bij JBRR; de maatregel noemde WSS."
# The children in both shapes: the domain's and the contract's.
KINDEREN = ([events.Kind(kind_id=KIND, leeftijd=7)], [contract.Kind(kind_id=KIND, leeftijd=7)])
WACHTEND = ([events.WachtendKind(kind_id=KIND, wachtdagen=12)],
            [contract.WachtendKind(kind_id=KIND, wachtdagen=12)])


def pair(domain: type, wire_type: type, kinderen=None, **fields):
    """The domain event and the same event built as the contract directly."""
    if kinderen is None:
        return domain(**fields), wire_type(**fields)
    return domain(**fields, kinderen=kinderen[0]), wire_type(**fields, kinderen=kinderen[1])


PAIRS = [
    pair(events.CasusAssigned, contract.CasusAssigned, KINDEREN, casus_id=CASUS, melding_id=MELDING,
         gezin_id=GEZIN, gemeente="GM0599", gi=GI.JBRR, doelgroep="lvb", maatregel=Maatregel.OTS,
         nieuwe_casus=False, gi_reden=GI_REDEN, toegewezen_op=NOW),
    pair(events.JeugdbeschermerAssigned, contract.JeugdbeschermerAssigned, WACHTEND, casus_id=CASUS,
         gemeente="GM0599", gi=GI.WSS, jeugdbeschermer_id=uuid4(), toegewezen_op=NOW),
    pair(events.OverdrachtRequested, contract.OverdrachtRequested, overdracht_id=OVERDRACHT, casus_id=CASUS,
         gemeente="GM0599", van_gi=GI.JBRR, naar_gi=GI.WSS, categorie=OverdrachtReden.VERHUIZING,
         aangevraagd_op=NOW),
    pair(events.OverdrachtApproved, contract.OverdrachtApproved, overdracht_id=OVERDRACHT, casus_id=CASUS,
         gemeente="GM0599", gi=GI.WSS, van_gi=GI.JBRR, naar_gi=GI.WSS, manager_id=MANAGER,
         goedgekeurd_op=NOW),
    pair(events.OverdrachtRejected, contract.OverdrachtRejected, overdracht_id=OVERDRACHT, casus_id=CASUS,
         gemeente="GM0599", gi=GI.JBRR, van_gi=GI.JBRR, naar_gi=GI.WSS, manager_id=MANAGER,
         categorie=AfwijzingReden.CONTINUITEIT, afgewezen_op=NOW),
    pair(events.CasusTransferred, contract.CasusTransferred, KINDEREN, casus_id=CASUS,
         overdracht_id=OVERDRACHT, gemeente="GM0599", van_gi=GI.JBRR, naar_gi=GI.WSS,
         categorie=OverdrachtReden.EXPERTISE, overgedragen_op=NOW),
    pair(events.CasusClosed, contract.CasusClosed, KINDEREN, casus_id=CASUS, gezin_id=GEZIN,
         gemeente="GM0599", gi=GI.LJR, reden=Sluitreden.AFSCHALING, gesloten_op=NOW),
    pair(events.DrangOverdue, contract.DrangOverdue, casus_id=CASUS, gemeente="GM0599", gi=GI.LJR,
         termijn="3_maanden_zonder_raadsonderzoek", startdatum=date(2025, 11, 1), gesignaleerd_op=NOW),
    pair(events.UithuisplaatsingStarted, contract.UithuisplaatsingStarted, plaatsing_id=OVERDRACHT,
         casus_id=CASUS, gezin_id=GEZIN, gemeente="GM0599", gi=GI.JBRR, kind_id=KIND,
         vorm=Plaatsingsvorm.NETWERKPLEEGZORG, in_netwerk=True, startdatum=date(2026, 2, 20),
         geregistreerd_op=NOW),
    pair(events.UithuisplaatsingEnded, contract.UithuisplaatsingEnded, plaatsing_id=OVERDRACHT,
         casus_id=CASUS, gemeente="GM0599", gi=GI.JBRR, kind_id=KIND, vorm=Plaatsingsvorm.CRISISPLEK_24UURS,
         in_netwerk=False, startdatum=date(2026, 2, 20), einddatum=date(2026, 2, 27), geregistreerd_op=NOW),
    pair(events.JeugdhulpStarted, contract.JeugdhulpStarted, jeugdhulp_id=OVERDRACHT, casus_id=CASUS,
         gezin_id=GEZIN, gemeente="GM0599", gi=GI.WSS, kind_id=KIND, vorm=Jeugdhulpvorm.AMBULANT,
         startdatum=date(2026, 2, 25), geregistreerd_op=NOW),
]


def test_every_published_event_type_is_covered():
    assert {type(domain) for domain, _ in PAIRS} == set(wire.CONTRACTS)
    assert set(typing.get_args(events.CasusEvent)) == set(wire.CONTRACTS)


@pytest.mark.parametrize(("domain", "expected"), PAIRS, ids=lambda e: type(e).__name__)
def test_a_domain_event_goes_out_as_the_contract_event_built_directly(domain, expected):
    published = wire.to_contract(domain)
    assert type(published) is type(expected)
    assert published.model_dump(mode="json") == expected.model_dump(mode="json")
    assert published.model_dump_json() == expected.model_dump_json()  # the same bytes
    assert (published.key, published.type, published.topic) == (expected.key, expected.type, expected.topic)


@pytest.mark.parametrize(("domain", "expected"), PAIRS, ids=lambda e: type(e).__name__)
def test_a_case_event_read_back_is_the_domain_event_it_was(domain, expected):
    read_back = type(expected).model_validate_json(expected.model_dump_json())
    assert wire.to_domain(read_back) == domain


def test_a_contract_event_stays_as_it_is():
    _, expected = PAIRS[0]
    assert wire.to_contract(expected) is expected


def test_a_measure_becomes_the_domains_measure():
    imposed = contract.MaatregelImposed(
        maatregel_id=uuid4(), melding_id=MELDING, advies_id=uuid4(), gezin_id=GEZIN, gemeente="GM0599",
        doelgroep="lvb", maatregel=Maatregel.DRANG, route="jb_plein", raadsonderzoek=False,
        startdatum=date(2026, 2, 27), gi=GI.WSS, kinderen=KINDEREN[1], opgelegd_op=NOW)
    maatregel = wire.maatregel(imposed)
    assert maatregel == events.MaatregelImposed(**{**dict(imposed), "kinderen": KINDEREN[0]})
    assert isinstance(maatregel.kinderen[0], events.Kind)


def test_a_decision_recorded_before_it_named_both_gis_reads_without_them():
    recorded = contract.OverdrachtApproved.model_validate({
        "overdracht_id": str(OVERDRACHT), "casus_id": str(CASUS), "gemeente": "GM0599", "gi": "WSS",
        "manager": "m", "goedgekeurd_op": NOW.isoformat()})
    approved = wire.to_domain(recorded)
    assert isinstance(approved, events.OverdrachtApproved)
    assert (approved.van_gi, approved.naar_gi, approved.manager_id) == (None, None, None)


def test_the_bus_subscribes_to_the_contract_events():
    assert EVENT_HANDLERS[contract.MaatregelImposed] == [on_maatregel_imposed]
    assert set(WEBHOOK_EVENTS) == set(wire.CONTRACTS)
    for domain in WEBHOOK_EVENTS:
        assert EVENT_HANDLERS[wire.CONTRACTS[domain]] == [on_casus_event]
    assert all(issubclass(event, contract.Event) for event in EVENT_HANDLERS)
