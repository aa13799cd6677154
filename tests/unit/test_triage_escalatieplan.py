"""Capacity's escalation plan in triage (issue 16 §3): the region's open escalation kept from
capacity.escalaties, and its measure grijs_gebied_meeste_vrije_plaatsen in the advice proposal."""
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import EscalatieCijfers, EscalationCleared, EscalationRaised
from contracts.vocabulary import GI, EscalatieMaatregel
from services.triage.adapters import wire
from services.triage.bootstrap import SPEC
from services.triage.domain.escalatie import RegioEscalatie, in_werking, na_beeindiging, na_verhoging
from services.triage.domain.model import Advies, stel_voor
from tests import identity
from tests.clock import PINNED_NOW
from tests.fakes import bootstrap_test_app
from tests.unit.test_triage_advies import GRIJS, JR, LVB, NOW, melding
from tests.unit.test_triage_service import FakeRepository, FakeUnitOfWork, bus
from tests.unit.test_triage_service import melding as melding_received

GRIJS_GEBIED = "grijs_gebied_meeste_vrije_plaatsen"
WACHTLIJST = "wachtenden_op_urgentie_en_wachtdagen"
ID = uuid4()
REGIO_ESCALATIES = "/v1/regio-escalaties"
# Every known GI over its norm; LJR has sent no capacity signal.
OVER_NORM = {GI.JBRR: -3, GI.WSS: -1}


def escalatie(niveau=2, maatregelen=(WACHTLIJST, GRIJS_GEBIED), minuten=0, **changes) -> RegioEscalatie:
    return RegioEscalatie(**{"escalatie_id": ID, "niveau": niveau, "escalatieplan_versie": "2026.1",
                             "maatregelen": tuple(maatregelen), "tijdstip": NOW + timedelta(minutes=minuten),
                             **changes})


MAATREGEL_ZIN = (f"Escalatieplan 2026.1, maatregel grijs gebied: de GI met de meeste vrije plaatsen, "
                 f"ook boven de norm (escalatie {ID}).")


# --- the ranking -------------------------------------------------------------------------------

def test_without_the_measure_an_unknown_gi_counts_as_zero_and_beats_those_over_their_norm():
    v = stel_voor(GRIJS, OVER_NORM)
    assert [r.gi for r in v.rangorde] == [GI.LJR, GI.WSS, GI.JBRR]
    assert v.reden == ("Grijs gebied (regel grijs_gebied, regelset 2026.2): elke GI kan de casus nemen; "
                       "daarvan heeft LJR de meeste vrije plaatsen (0).")


def test_under_the_measure_an_unknown_gi_ranks_after_every_gi_with_a_figure():
    v = stel_voor(GRIJS, OVER_NORM, escalatie())
    assert v.gi == GI.WSS
    assert [(r.positie, r.gi, r.vrije_plaatsen) for r in v.rangorde] == [
        (1, GI.WSS, -1), (2, GI.JBRR, -3), (3, GI.LJR, None)]
    assert v.reden == ("Grijs gebied (regel grijs_gebied, regelset 2026.2): elke GI kan de casus nemen; "
                       f"daarvan heeft WSS de meeste vrije plaatsen (-1). {MAATREGEL_ZIN}")
    assert v.rangorde[2].reden == ("Grijs gebied: elke GI komt in aanmerking; capaciteit onbekend. Maatregel "
                                   "van het escalatieplan: na de GI's met een bekend aantal vrije plaatsen.")
    assert v.rangorde[0].reden == "Grijs gebied: elke GI komt in aanmerking; geen vrije plaatsen (-1)."


def test_under_the_measure_gis_without_a_figure_tie_among_themselves():
    v = stel_voor(GRIJS, {GI.LJR: -4}, escalatie())
    assert [r.gi for r in v.rangorde] == [GI.LJR, GI.JBRR, GI.WSS]
    assert "Gelijk met JBRR" in v.rangorde[2].reden and "Gelijk" not in v.rangorde[1].reden
    assert v.reden.endswith(f"daarvan heeft LJR de meeste vrije plaatsen (-4). {MAATREGEL_ZIN}")


def test_under_the_measure_no_figure_at_all_keeps_the_fixed_order_and_names_the_measure():
    v = stel_voor(GRIJS, {}, escalatie())
    assert [r.gi for r in v.rangorde] == [GI.JBRR, GI.WSS, GI.LJR]
    assert "geen capaciteit bekend: JBRR als eerste in de vaste volgorde." in v.reden
    assert v.reden.endswith(MAATREGEL_ZIN)


def test_a_plan_without_a_version_is_named_without_one():
    v = stel_voor(GRIJS, OVER_NORM, escalatie(escalatieplan_versie=None))
    assert v.reden.endswith(f"Escalatieplan, maatregel grijs gebied: de GI met de meeste vrije plaatsen, "
                            f"ook boven de norm (escalatie {ID}).")


@pytest.mark.parametrize("geen_maatregel", [
    None,
    escalatie(niveau=1, maatregelen=(WACHTLIJST,)),  # open, but its level lists another measure
    escalatie(beeindigd_op=NOW),  # the measure ended with its escalation
])
@pytest.mark.parametrize("vrij", [OVER_NORM, {}, {GI.JBRR: 2, GI.WSS: 2, GI.LJR: 2}])
def test_without_the_measure_in_force_the_proposal_is_as_before(geen_maatregel, vrij):
    assert stel_voor(GRIJS, vrij, geen_maatregel) == stel_voor(GRIJS, vrij)


@pytest.mark.parametrize("besluit", [LVB, JR])
def test_the_measure_is_for_the_grey_area_only(besluit):
    vrij = {GI.JBRR: -3, GI.WSS: -1}
    assert stel_voor(besluit, vrij, escalatie()) == stel_voor(besluit, vrij)


def test_the_advice_keeps_the_reason_with_the_measure():
    advies = Advies.voorstel(melding(), GRIJS, OVER_NORM, NOW, escalatie())
    assert advies.voorgestelde_gi == GI.WSS and advies.reden.endswith(MAATREGEL_ZIN)
    assert [r.gi for r in advies.rangorde] == [GI.WSS, GI.JBRR, GI.LJR]


# --- keeping the region's escalation -----------------------------------------------------------

def test_a_first_raise_is_kept_and_a_higher_one_replaces_it():
    niveau_1 = escalatie(niveau=1, maatregelen=(WACHTLIJST,))
    assert na_verhoging(None, niveau_1) == niveau_1
    niveau_2 = escalatie(minuten=60)
    assert na_verhoging(niveau_1, niveau_2) == niveau_2
    assert in_werking([niveau_1], EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN) is None
    assert in_werking([niveau_2], EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN) == niveau_2


def test_an_older_raise_delivered_late_and_a_redelivered_one_change_nothing():
    niveau_2 = escalatie(minuten=60)
    assert na_verhoging(niveau_2, escalatie(niveau=1, maatregelen=(WACHTLIJST,))) is None
    assert na_verhoging(niveau_2, niveau_2) is None


def test_a_clear_is_final_and_a_raise_after_it_does_not_reopen():
    beeindigd = na_beeindiging(escalatie(), ID, 2, NOW + timedelta(hours=2))
    assert beeindigd == replace(escalatie(), beeindigd_op=NOW + timedelta(hours=2)) and not beeindigd.open
    assert na_beeindiging(beeindigd, ID, 2, NOW + timedelta(hours=3)) is None  # redelivered
    assert na_verhoging(beeindigd, escalatie(niveau=3, minuten=60 * 5)) is None
    assert in_werking([beeindigd], EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN) is None


def test_a_clear_read_before_any_raise_keeps_its_raises_from_opening_it():
    beeindigd = na_beeindiging(None, ID, 3, NOW)
    assert beeindigd is not None and not beeindigd.open and beeindigd.maatregelen == ()
    assert na_verhoging(beeindigd, escalatie(minuten=-60)) is None


def test_of_two_open_escalations_the_latest_raised_puts_the_measure_in_force():
    ouder, nieuwer = escalatie(escalatie_id=uuid4()), escalatie(escalatie_id=uuid4(), minuten=5)
    assert in_werking([nieuwer, ouder], EscalatieMaatregel.GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN) == nieuwer


# --- through the bus, as the consumer hands capacity.escalaties to triage ------------------------

CIJFERS = EscalatieCijfers(vrije_plaatsen_regio=-4, gis_op_of_over_norm=[GI.JBRR, GI.WSS], wachtend=0,
                           langste_wachtdagen=0)


def raised(escalatie_id, niveau, maatregelen, minuten) -> EscalationRaised:
    return EscalationRaised(escalatie_id=escalatie_id, niveau=niveau, redenen=["Alle GI's op hun norm."],
                            cijfers=CIJFERS, gestart_op=PINNED_NOW,
                            tijdstip=PINNED_NOW + timedelta(minutes=minuten), escalatieplan_versie="2026.1",
                            maatregelen=maatregelen)


def cleared(escalatie_id, minuten) -> EscalationCleared:
    return EscalationCleared(escalatie_id=escalatie_id, hoogste_niveau=2, cijfers=CIJFERS,
                             gestart_op=PINNED_NOW, beeindigd_op=PINNED_NOW + timedelta(minutes=minuten))


async def grey_area_advice(uow) -> Advies:
    event = melding_received()
    await bus(uow).handle(event)
    [advies] = [a for a in uow.triage.adviezen.values() if a.melding_id == event.melding_id]
    assert advies.doelgroep == "grijs_gebied"
    return advies


def test_triage_consumes_the_escalations_topic():
    assert "capacity.escalaties" in SPEC.topics
    assert {EscalationRaised.type, EscalationCleared.type} <= SPEC.handled_types


def test_the_wire_reads_a_raise_with_its_plan_and_measures():
    e = wire.verhoging(raised(ID, 2, [WACHTLIJST, GRIJS_GEBIED], 5))
    assert e == RegioEscalatie(ID, 2, "2026.1", (WACHTLIJST, GRIJS_GEBIED), PINNED_NOW + timedelta(minutes=5))


async def test_the_measure_follows_the_escalation_through_the_bus():
    repository = FakeRepository()
    repository.capaciteit = dict(OVER_NORM)
    uow = FakeUnitOfWork(repository)
    escalatie_id = uuid4()
    zin = (f"Escalatieplan 2026.1, maatregel grijs gebied: de GI met de meeste vrije plaatsen, ook boven de "
           f"norm (escalatie {escalatie_id}).")

    await bus(uow).handle(raised(escalatie_id, 1, [WACHTLIJST], 0))  # level 1: not this measure
    assert (await grey_area_advice(uow)).voorgestelde_gi == GI.LJR

    await bus(uow).handle(raised(escalatie_id, 2, [WACHTLIJST, GRIJS_GEBIED], 10))
    await bus(uow).handle(raised(escalatie_id, 1, [WACHTLIJST], 0))  # the level-1 raise again, late
    advies = await grey_area_advice(uow)
    assert advies.voorgestelde_gi == GI.WSS and advies.reden.endswith(zin)
    assert [r.gi for r in advies.rangorde] == [GI.WSS, GI.JBRR, GI.LJR]

    await bus(uow).handle(cleared(escalatie_id, 20))
    await bus(uow).handle(raised(escalatie_id, 2, [WACHTLIJST, GRIJS_GEBIED], 15))  # after its clear
    await bus(uow).handle(cleared(escalatie_id, 20))  # redelivered
    advies = await grey_area_advice(uow)
    assert advies.voorgestelde_gi == GI.LJR and "Escalatieplan" not in advies.reden
    assert not repository.escalaties[escalatie_id].open
    # Following the escalation publishes nothing: only the three reports' decisions.
    assert [type(e).__name__ for e in uow.published] == ["TriageCompleted"] * 3


async def test_the_api_shows_the_open_escalations_and_which_one_puts_the_measure_in_force():
    uow = FakeUnitOfWork(FakeRepository())
    client = TestClient(bootstrap_test_app(SPEC, uow))
    assert client.get(REGIO_ESCALATIES, headers=identity.rvdk()).json() == []
    oud, nieuw, dicht = uuid4(), uuid4(), uuid4()
    for event in (raised(oud, 2, [WACHTLIJST, GRIJS_GEBIED], 0), raised(nieuw, 1, [WACHTLIJST], 5),
                  raised(dicht, 3, [WACHTLIJST, GRIJS_GEBIED], 9), cleared(dicht, 10)):
        await bus(uow).handle(event)
    r = client.get(REGIO_ESCALATIES, headers=identity.gi("WSS"))
    assert r.status_code == 200, r.text
    assert [(e["escalatie_id"], e["niveau"], e["grijs_gebied_maatregel"]) for e in r.json()] == [
        (str(nieuw), 1, False), (str(oud), 2, True)]
    assert r.json()[1]["maatregelen"] == [WACHTLIJST, GRIJS_GEBIED]
    assert client.get(REGIO_ESCALATIES, headers=identity.lokaal_team()).status_code == 403
