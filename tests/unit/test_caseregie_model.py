from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.vocabulary import GI, AfwijzingReden, Maatregel, OverdrachtReden, Sluitreden
from runtime.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.caseregie.adapters import wire
from services.caseregie.domain.events import (
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    JeugdbeschermerAssigned,
    Kind,
    MaatregelImposed,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
)
from services.caseregie.domain.model import (
    AANGEVRAAGD,
    AFGEWEZEN,
    GESLOTEN,
    GOEDGEKEURD,
    OPEN,
    wachtdagen,
    wijs_maatregel_toe,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=9, hours=5)
GEZIN = uuid4()


def maatregel(gi=GI.JBRR, kinderen=None, gezin_id=GEZIN, soort=Maatregel.OTS, **extra) -> MaatregelImposed:
    values = dict(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="grijs_gebied", maatregel=soort, route="rechtbank", raadsonderzoek=True,
        startdatum=date(2026, 2, 27), gi=gi, kinderen=kinderen or [Kind(kind_id=uuid4(), leeftijd=7)],
        opgelegd_op=NOW - timedelta(days=1))
    return MaatregelImposed(**{**values, **extra})


def casus(gi=GI.JBRR, kinderen=None):
    c, _ = wijs_maatregel_toe(None, maatregel(gi=gi, kinderen=kinderen), NOW)
    return c


# --- one family, one plan ----------------------------------------------------------------------

def test_a_measure_for_a_family_without_an_open_case_opens_one_at_the_measures_gi():
    m = maatregel(gi=GI.WSS, kinderen=[Kind(kind_id=uuid4(), leeftijd=4), Kind(kind_id=uuid4(), leeftijd=9)])
    c, event = wijs_maatregel_toe(None, m, NOW)
    assert (c.gi, c.status, c.gezin_id, c.geopend_op) == (GI.WSS, OPEN, GEZIN, NOW)
    assert [k.kind_id for k in c.kinderen] == [k.kind_id for k in m.kinderen]
    assert all(k.wachtend and k.wacht_sinds == NOW and k.maatregel_id == m.maatregel_id for k in c.kinderen)
    assert c.maatregelen[0].gi_reden is None and c.melding_ids == [m.melding_id]
    assert isinstance(event, CasusAssigned)
    assert event.nieuwe_casus is True and event.kinderen == m.kinderen and event.gi == GI.WSS
    assert (event.casus_id, event.melding_id, event.maatregel) == (c.id, m.melding_id, Maatregel.OTS)
    assert wire.to_contract(event).key == str(c.id)


def test_a_sibling_joins_the_familys_open_case_at_that_cases_gi_with_the_reason():
    c = casus(gi=GI.JBRR)
    broertje = Kind(kind_id=uuid4(), leeftijd=3)
    m = maatregel(gi=GI.WSS, kinderen=[broertje], soort=Maatregel.VOOGDIJ)
    same, event = wijs_maatregel_toe(c, m, LATER)
    assert same is c and c.gi == GI.JBRR and len(c.kinderen) == 2
    assert event.nieuwe_casus is False and event.gi == GI.JBRR and event.kinderen == [broertje]
    assert event.maatregel == Maatregel.VOOGDIJ and event.melding_id == m.melding_id
    joined = c.kinderen[1]
    assert (joined.wacht_sinds, joined.maatregel) == (LATER, Maatregel.VOOGDIJ)
    assert joined.melding_id == m.melding_id
    reden = c.maatregelen[1].gi_reden
    assert reden == ("Eén gezin, één plan: het gezin heeft al een open casus bij JBRR; "
                     "de maatregel noemde WSS.")
    assert event.gi_reden == reden  # the reason is in the event, not only in the REST view
    assert c.melding_ids == [c.maatregelen[0].melding_id, m.melding_id]


def test_joining_at_the_same_gi_records_no_reason():
    c = casus(gi=GI.LJR)
    wijs_maatregel_toe(c, maatregel(gi=GI.LJR), LATER)
    assert c.maatregelen[1].gi_reden is None


def test_a_replayed_measure_changes_nothing():
    m = maatregel()
    c, _ = wijs_maatregel_toe(None, m, NOW)
    same, event = wijs_maatregel_toe(c, m, LATER)
    assert same is c and event is None and len(c.kinderen) == 1 and len(c.maatregelen) == 1


def test_a_new_measure_for_a_child_already_in_the_case_assigns_the_report_but_adds_nobody():
    kind = Kind(kind_id=uuid4(), leeftijd=12)
    c = casus(kinderen=[kind])
    c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", NOW + timedelta(days=2))
    jr = maatregel(kinderen=[Kind(kind_id=kind.kind_id, leeftijd=13)], soort=Maatregel.JR)
    _, event = wijs_maatregel_toe(c, jr, LATER)
    assert event.kinderen == [] and event.melding_id == jr.melding_id and event.nieuwe_casus is False
    assert event.casus_id == c.id
    k = c.kinderen[0]
    assert (k.maatregel, k.maatregel_id, k.leeftijd) == (Maatregel.JR, jr.maatregel_id, 13)
    assert k.jeugdbeschermer.id == "JB-1" and k.wacht_tot == NOW + timedelta(days=2)


def test_a_closed_case_takes_no_measure():
    c = casus()
    c.sluit(GI.JBRR, Sluitreden.AFSCHALING, None, NOW)
    with pytest.raises(Conflict):
        c.neem_maatregel_op(maatregel(), LATER, nieuwe_casus=False)


def test_a_measure_of_another_family_is_refused():
    with pytest.raises(InvalidInput):
        casus().neem_maatregel_op(maatregel(gezin_id=uuid4()), LATER, nieuwe_casus=False)


# --- the fixed youth protector and the waiting list -----------------------------------------------

def test_waiting_days_are_calendar_days_in_the_region_and_never_negative():
    assert wachtdagen(NOW, NOW + timedelta(days=3, hours=1)) == 3
    assert wachtdagen(NOW, NOW) == 0
    assert wachtdagen(NOW, NOW - timedelta(hours=1)) == 0
    # 22:30 to 00:30 local time (Europe/Amsterdam) is one calendar day, though only two hours.
    evening = datetime(2026, 1, 14, 21, 30, tzinfo=UTC)
    assert wachtdagen(evening, evening + timedelta(hours=2)) == 1
    assert wachtdagen(evening - timedelta(hours=1), evening) == 0


def test_until_a_protector_is_assigned_every_child_waits():
    c = casus(kinderen=[Kind(kind_id=uuid4(), leeftijd=5), Kind(kind_id=uuid4(), leeftijd=8)])
    assert c.wachtend and all(k.wachtend for k in c.kinderen)
    assert [k.wachtdagen(LATER) for k in c.kinderen] == [9, 9]


def test_the_cases_gi_assigns_one_protector_to_every_child_with_their_waiting_days():
    c = casus(kinderen=[Kind(kind_id=uuid4(), leeftijd=5)])
    wijs_maatregel_toe(c, maatregel(), NOW + timedelta(days=4))
    pseudoniem = uuid4()
    event = c.wijs_jeugdbeschermer_toe(GI.JBRR, " JB-7 ", "S. Yilmaz", LATER, pseudoniem)
    assert isinstance(event, JeugdbeschermerAssigned)
    assert (event.casus_id, event.gi, event.jeugdbeschermer_id, event.toegewezen_op) == (
        c.id, GI.JBRR, pseudoniem, LATER)  # the event names the protector by its pseudonym only
    assert [(k.kind_id, k.wachtdagen) for k in event.kinderen] == [
        (c.kinderen[0].kind_id, 9), (c.kinderen[1].kind_id, 5)]
    assert not c.wachtend and c.jeugdbeschermer.id == "JB-7" and c.jeugdbeschermer.naam == "S. Yilmaz"
    assert all(k.jeugdbeschermer.id == "JB-7" and k.wacht_tot == LATER for k in c.kinderen)
    # the waiting days stop counting once the protector is there
    assert [k.wachtdagen(LATER + timedelta(days=30)) for k in c.kinderen] == [9, 5]


def test_for_another_gi_the_case_to_give_a_protector_does_not_exist():
    c = casus(gi=GI.JBRR)
    with pytest.raises(NotFound) as exc:
        c.wijs_jeugdbeschermer_toe(GI.WSS, "JB-1", "naam", LATER)
    assert exc.value.detail == f"casus {c.id} not found"  # the same words as a case that does not exist
    assert c.wachtend and c.jeugdbeschermer is None


def test_a_closed_case_gets_no_protector():
    c = casus()
    c.sluit(GI.JBRR, Sluitreden.EINDE_MAATREGEL, None, NOW)
    with pytest.raises(Conflict):
        c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "naam", LATER)


def test_a_protector_needs_an_id_and_a_name():
    with pytest.raises(InvalidInput) as exc:
        casus().wijs_jeugdbeschermer_toe(GI.JBRR, "  ", "naam", LATER)
    assert exc.value.field == "jeugdbeschermer_id"


def test_a_child_joining_a_case_with_a_protector_waits_until_the_gi_confirms_again():
    c = casus()
    c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", NOW)
    nieuw = Kind(kind_id=uuid4(), leeftijd=1)
    wijs_maatregel_toe(c, maatregel(kinderen=[nieuw]), NOW + timedelta(days=1))
    assert c.wachtend and c.kinderen[1].wachtend and not c.kinderen[0].wachtend

    event = c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", LATER)
    assert [(k.kind_id, k.wachtdagen) for k in event.kinderen] == [(nieuw.kind_id, 8)]
    assert not c.wachtend and c.jeugdbeschermer.toegewezen_op == NOW


def test_confirming_the_same_protector_again_changes_nothing():
    c = casus()
    c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", NOW)
    assert c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", LATER) is None


def test_another_protector_replaces_the_old_one_for_every_child():
    c = casus()
    c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", NOW + timedelta(days=2))
    event = c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-2", "K. Bakker", LATER)
    assert event.kinderen[0].wachtdagen == 2
    assert c.jeugdbeschermer.id == "JB-2" and c.kinderen[0].jeugdbeschermer.id == "JB-2"


# --- closure -----------------------------------------------------------------------------------

def test_the_cases_gi_closes_it_with_the_family_and_all_children():
    c = casus(kinderen=[Kind(kind_id=uuid4(), leeftijd=5), Kind(kind_id=uuid4(), leeftijd=8)])
    event = c.sluit(GI.JBRR, Sluitreden.AFSCHALING, "  terug naar het wijkteam ", LATER)
    assert isinstance(event, CasusClosed)
    assert (c.status, c.gesloten_op, c.sluitreden, c.toelichting) == (
        GESLOTEN, LATER, Sluitreden.AFSCHALING, "terug naar het wijkteam")
    assert (event.gezin_id, event.gi, event.reden) == (GEZIN, GI.JBRR, Sluitreden.AFSCHALING)
    assert event.kinderen == c.kinderen_als_kind() and len(event.kinderen) == 2
    assert not c.wachtend  # a closed case is on no waiting list


def test_for_another_gi_the_case_to_close_does_not_exist():
    c = casus(gi=GI.JBRR)
    with pytest.raises(NotFound):
        c.sluit(GI.LJR, Sluitreden.AFSCHALING, None, LATER)
    assert c.status == OPEN


def test_closing_twice_is_a_conflict():
    c = casus()
    c.sluit(GI.JBRR, Sluitreden.AFSCHALING, None, NOW)
    with pytest.raises(Conflict):
        c.sluit(GI.JBRR, Sluitreden.OVERIG, None, LATER)
    assert c.sluitreden == Sluitreden.AFSCHALING


def test_closing_with_a_pending_transfer_is_a_conflict():
    c = casus()
    c.vraag_overdracht(GI.WSS, "LVB bij moeder", OverdrachtReden.EXPERTISE, NOW)
    with pytest.raises(Conflict):
        c.sluit(GI.JBRR, Sluitreden.AFSCHALING, None, LATER)
    assert c.status == OPEN


@pytest.mark.parametrize("gi", [GI.JBRR, GI.LJR, None])
def test_a_case_is_readable_by_its_own_gi_only(gi):
    c = casus(gi=GI.WSS)
    c.zichtbaar_voor(GI.WSS)
    with pytest.raises(NotFound) as exc:  # 404, not 403: its existence is not given away
        c.zichtbaar_voor(gi)
    assert exc.value.detail == f"casus {c.id} not found"


# --- transfer requests -------------------------------------------------------------------------

def test_transfer_to_same_gi_is_invalid():
    with pytest.raises(InvalidInput) as exc:
        casus().vraag_overdracht(GI.JBRR, "expertise", OverdrachtReden.EXPERTISE, NOW)
    assert exc.value.field == "naar_gi"


@pytest.mark.parametrize("reden", ["", "   "])
def test_transfer_needs_a_reason(reden):
    with pytest.raises(InvalidInput) as exc:
        casus().vraag_overdracht(GI.WSS, reden, OverdrachtReden.OVERIG, NOW)
    assert exc.value.field == "reden"


def test_only_one_pending_transfer():
    c = casus()
    c.vraag_overdracht(GI.WSS, "LVB bij moeder", OverdrachtReden.EXPERTISE, NOW)
    with pytest.raises(Conflict):
        c.vraag_overdracht(GI.LJR, "andere reden", OverdrachtReden.OVERIG, NOW)
    assert len(c.overdrachten) == 1


def test_closed_case_cannot_be_transferred():
    c = casus()
    c.sluit(GI.JBRR, Sluitreden.AFSCHALING, None, NOW)
    with pytest.raises(Conflict):
        c.vraag_overdracht(GI.WSS, "LVB bij moeder", OverdrachtReden.EXPERTISE, NOW)


def test_transfer_request_event():
    c = casus()
    overdracht, event = c.vraag_overdracht(GI.WSS, "  LVB bij moeder ", OverdrachtReden.EXPERTISE, NOW)
    assert c.overdrachten == [overdracht]
    assert overdracht.status == AANGEVRAAGD
    assert isinstance(event, OverdrachtRequested)
    assert event.overdracht_id == overdracht.id
    assert event.casus_id == c.id
    assert (event.van_gi, event.naar_gi) == (GI.JBRR, GI.WSS)
    wire_event = wire.to_contract(event).model_dump()
    assert overdracht.reden == "LVB bij moeder" and "reden" not in wire_event  # the text stays
    assert overdracht.categorie == event.categorie == OverdrachtReden.EXPERTISE
    assert event.gemeente == "GM0599"
    assert event.aangevraagd_op == NOW
    assert wire.to_contract(event).key == str(c.id)
    assert c.gi == GI.JBRR


# --- transfer decisions ------------------------------------------------------------------------

def transfer_with_protector():
    c = casus(gi=GI.JBRR, kinderen=[Kind(kind_id=uuid4(), leeftijd=5), Kind(kind_id=uuid4(), leeftijd=8)])
    c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", NOW)
    overdracht, _ = c.vraag_overdracht(GI.WSS, "LVB bij moeder", OverdrachtReden.EXPERTISE, NOW)
    return c, overdracht


@pytest.mark.parametrize("gi", [GI.JBRR, GI.WSS])
def test_one_sides_approval_leaves_the_case_unchanged(gi):
    c, o = transfer_with_protector()
    manager_id = uuid4()
    events = c.keur_overdracht_goed(o.id, gi, " manager A ", LATER, manager_id=manager_id)
    assert len(events) == 1 and isinstance(events[0], OverdrachtApproved)
    assert (events[0].gi, events[0].manager_id, events[0].overdracht_id) == (gi, manager_id, o.id)
    assert o.besluiten[0].manager == "manager A"
    assert o.status == AANGEVRAAGD and [b.gi for b in o.goedkeuringen] == [gi]
    assert c.gi == GI.JBRR and c.jeugdbeschermer.id == "JB-1" and not c.wachtend


def test_both_approvals_move_the_case_clear_the_protector_and_restart_the_waiting():
    c, o = transfer_with_protector()
    c.keur_overdracht_goed(o.id, GI.WSS, "manager WSS", NOW + timedelta(days=1))
    approved, transferred = c.keur_overdracht_goed(o.id, GI.JBRR, "manager JBRR", LATER)
    assert isinstance(approved, OverdrachtApproved) and approved.gi == GI.JBRR
    assert isinstance(transferred, CasusTransferred)
    assert (transferred.van_gi, transferred.naar_gi, transferred.overdracht_id) == (GI.JBRR, GI.WSS, o.id)
    wire_transferred = wire.to_contract(transferred).model_dump()
    assert transferred.kinderen == c.kinderen_als_kind() and "reden" not in wire_transferred
    assert transferred.categorie == OverdrachtReden.EXPERTISE  # the requesting GI's choice, carried along
    assert (o.status, o.afgerond_op) == (GOEDGEKEURD, LATER)
    assert c.gi == GI.WSS and c.jeugdbeschermer is None and c.wachtend
    assert all(k.wachtend and k.wacht_sinds == LATER and k.wacht_tot is None for k in c.kinderen)
    assert c.lopende_overdracht is None
    # the case is now WSS's: JBRR can neither read it nor assign a protector
    with pytest.raises(NotFound):
        c.zichtbaar_voor(GI.JBRR)
    with pytest.raises(NotFound):
        c.wijs_jeugdbeschermer_toe(GI.JBRR, "JB-1", "P. de Boer", LATER)
    c.zichtbaar_voor(GI.WSS)
    # ... but JBRR still reads the transfer it decided on
    assert c.overdracht_voor(o.id, GI.JBRR) is o


def test_the_same_gi_cannot_approve_twice():
    c, o = transfer_with_protector()
    c.keur_overdracht_goed(o.id, GI.JBRR, "manager A", NOW)
    with pytest.raises(Conflict):
        c.keur_overdracht_goed(o.id, GI.JBRR, "manager B", LATER)
    assert o.status == AANGEVRAAGD and c.gi == GI.JBRR and len(o.besluiten) == 1


def test_a_third_gi_may_not_decide():
    c, o = transfer_with_protector()
    with pytest.raises(Forbidden):
        c.keur_overdracht_goed(o.id, GI.LJR, "manager LJR", LATER)
    with pytest.raises(Forbidden):
        c.wijs_overdracht_af(o.id, GI.LJR, "manager LJR", "nee", LATER)
    assert o.besluiten == [] and o.status == AANGEVRAAGD


def test_one_rejection_ends_the_transfer_and_the_case_stays():
    c, o = transfer_with_protector()
    c.keur_overdracht_goed(o.id, GI.JBRR, "manager JBRR", NOW)
    event = c.wijs_overdracht_af(o.id, GI.WSS, "manager WSS", " geen plek ", LATER,
                                 categorie=AfwijzingReden.GEEN_CAPACITEIT)
    assert isinstance(event, OverdrachtRejected)
    assert (event.gi, event.categorie, event.afgewezen_op) == (GI.WSS, AfwijzingReden.GEEN_CAPACITEIT, LATER)
    assert (o.afwijzing.manager, o.afwijzing.reden, o.afwijzing.categorie) == (
        "manager WSS", "geen plek", AfwijzingReden.GEEN_CAPACITEIT)  # kept in caseregie
    assert (o.status, o.afgerond_op, o.afwijzing.gi) == (AFGEWEZEN, LATER, GI.WSS)
    assert c.gi == GI.JBRR and c.jeugdbeschermer.id == "JB-1"
    with pytest.raises(Conflict):
        c.keur_overdracht_goed(o.id, GI.WSS, "manager WSS", LATER)
    with pytest.raises(Conflict):
        c.wijs_overdracht_af(o.id, GI.JBRR, "manager JBRR", "ook nee", LATER)
    assert c.gi == GI.JBRR
    # the case can be closed, or a new transfer requested, once nothing is pending
    c.vraag_overdracht(GI.LJR, "andere expertise", OverdrachtReden.EXPERTISE, LATER)
    assert len(c.overdrachten) == 2


def test_a_rejection_needs_a_reason_and_a_manager():
    c, o = transfer_with_protector()
    with pytest.raises(InvalidInput) as exc:
        c.wijs_overdracht_af(o.id, GI.WSS, "manager", " ", LATER)
    assert exc.value.field == "reden"
    with pytest.raises(InvalidInput) as exc:
        c.keur_overdracht_goed(o.id, GI.WSS, "", LATER)
    assert exc.value.field == "manager"
    assert o.besluiten == []


def test_deciding_on_an_unknown_transfer_is_not_found():
    c, _ = transfer_with_protector()
    with pytest.raises(NotFound):
        c.keur_overdracht_goed(uuid4(), GI.JBRR, "manager", LATER)


# --- who sees a transfer, who decides ------------------------------------------------------------

def test_both_gis_of_a_transfer_read_it_and_nobody_else_finds_it_or_the_case():
    c, o = transfer_with_protector()  # JBRR -> WSS
    assert c.overdracht_voor(o.id, GI.JBRR) is o and c.overdracht_voor(o.id, GI.WSS) is o
    for outsider in (GI.LJR, None):
        with pytest.raises(NotFound) as exc:
            c.overdracht_voor(o.id, outsider)
        assert exc.value.detail == f"casus {c.id} not found"
    with pytest.raises(NotFound) as exc:  # the receiver learns nothing about other transfers
        c.overdracht_voor(uuid4(), GI.WSS)
    assert exc.value.detail == f"casus {c.id} not found"
    with pytest.raises(NotFound) as exc:  # the case's own GI: the case exists, the transfer does not
        c.overdracht_voor(uuid4(), GI.JBRR)
    assert "has no transfer" in exc.value.detail
    with pytest.raises(NotFound):  # the receiver does not read the case itself before it moves
        c.zichtbaar_voor(GI.WSS)


def test_a_decision_records_who_decided_and_the_name_the_token_gave():
    c, o = transfer_with_protector()
    jbrr, wss = uuid4(), uuid4()
    (approved,) = c.keur_overdracht_goed(o.id, GI.JBRR, "manager@JBRR", NOW, "S. Amrani", jbrr)
    event = c.wijs_overdracht_af(o.id, GI.WSS, "manager@WSS", "geen plek", LATER, manager_id=wss)
    assert [(b.gi, b.manager, b.manager_naam) for b in o.besluiten] == [
        (GI.JBRR, "manager@JBRR", "S. Amrani"), (GI.WSS, "manager@WSS", None)]
    assert (approved.manager_id, event.manager_id) == (jbrr, wss)  # events: the pseudonyms only


def test_one_manager_never_decides_for_both_gis():
    c, o = transfer_with_protector()
    c.keur_overdracht_goed(o.id, GI.JBRR, "same-person", NOW)
    with pytest.raises(Forbidden):
        c.keur_overdracht_goed(o.id, GI.WSS, "same-person", LATER)
    with pytest.raises(Forbidden):
        c.wijs_overdracht_af(o.id, GI.WSS, "same-person", "nee", LATER)
    assert o.status == AANGEVRAAGD and c.gi == GI.JBRR and len(o.besluiten) == 1
