"""Proposed versions of the target-group rules: the difference rule by rule, the approval of all
three GIs (the third activates the version at that moment), one rejection ending it, a GI deciding
once; through the bus (the next report is decided by the new version, not before, also on another
replica) and over HTTP (who may, and the problems)."""
import copy
from datetime import datetime, time, timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.vocabulary import GI, RegelsetAfwijzingReden
from runtime.clock import REGION_TZ, add_months, local_date
from runtime.errors import Conflict, Forbidden, InvalidInput
from runtime.identity import GI_MANAGER, GI_ROL, Principal
from services.triage.adapters import regelsets
from services.triage.bootstrap import SPEC
from services.triage.domain.commands import (
    ApproveRegelset,
    EraseExpired,
    ProposeRegelset,
    ReadRegelset,
    RejectRegelset,
    RequestConsultatie,
)
from services.triage.domain.events import (
    RegelsetActivated,
    RegelsetApproved,
    RegelsetProposed,
    RegelsetRejected,
)
from services.triage.domain.model import Regelset
from services.triage.domain.regelsetvoorstel import (
    GEWIJZIGD,
    TOEGEVOEGD,
    VERWIJDERD,
    Regelsetvoorstel,
    Veldwijziging,
    VoorstelStatus,
    verschil,
)
from tests import identity
from tests.clock import PINNED_NOW
from tests.fakes import bootstrap_test_app
from tests.unit.test_triage_consultaties import FakeUnitOfWork as ConsultatieUow
from tests.unit.test_triage_service import FakeRegelsets, FakeRepository, FakeUnitOfWork, bus, melding

ACTIEF = regelsets.nieuwste_bestand()  # 2026.2, the baseline
T0 = PINNED_NOW


def voorstel_bron(versie="2026.3", **wijzig) -> dict:
    """2026.2 with one new rule before the fallback: a parent's psychiatric problem (today grey area)
    goes to a new expertise only LJR has. Every other report is decided as by 2026.2."""
    bron = copy.deepcopy(ACTIEF.bron)
    bron.update(versie=versie, geldig_vanaf="2027-01-01")
    bron["expertises"]["psychiatrie_ouder"] = ["LJR"]
    bron["regels"].insert(-1, {
        "id": "psychiatrie_ouder", "doelgroep": "psychiatrie_ouder", "expertise": "psychiatrie_ouder",
        "als": {"kenmerken_een_van": ["psychiatrie_ouder"]},
        "toelichting": "Psychiatrische problematiek bij een ouder: de expertise van LJ&R."})
    bron.update(wijzig)
    return bron


def manager(gi: GI, naam: str | None = None) -> Principal:
    return Principal(sub=f"manager@{gi}", rol=GI_MANAGER, organisatie=gi, naam=naam or f"Manager {gi}")


def dien_in(bron=None, actief=ACTIEF.regelset, gi=GI.WSS,
            now=T0) -> tuple[Regelsetvoorstel, RegelsetProposed]:
    return Regelsetvoorstel.dien_in(bron or voorstel_bron(), actief, set(regelsets.versies()), gi,
                                    f"manager@{gi}", None, now)


# --- the difference, rule by rule ---------------------------------------------------------------

def test_the_difference_names_each_added_removed_and_changed_rule_with_its_fields():
    bron = voorstel_bron()
    regels = {r["id"]: r for r in bron["regels"]}
    regels["verslaving"]["expertise"] = "jeugdreclassering"  # a changed field
    regels["lvb"]["als"] = {"kenmerken_een_van": ["lvb_ouder", "lvb_kind"]}  # the same condition, reordered
    bron["regels"] = [r for r in bron["regels"] if r["id"] != "radicalisering_en_eer"]  # removed
    del bron["expertises"]["radicalisering_en_eer"]
    bron["expertises"]["verslaving"] = ["LJR", "JBRR"]
    nieuw = Regelset.from_dict(bron)

    v = verschil(ACTIEF.regelset, nieuw)

    assert v.basis_versie == "2026.2"
    assert [(r.regel, r.wijziging, r.positie_oud, r.positie_nieuw) for r in v.regels] == [
        ("verslaving", GEWIJZIGD, 4, 4), ("psychiatrie_ouder", TOEGEVOEGD, None, 5),
        ("radicalisering_en_eer", VERWIJDERD, 5, None)]
    gewijzigd, toegevoegd, verwijderd = v.regels
    assert gewijzigd.velden == (Veldwijziging("expertise", "verslaving", "jeugdreclassering"),)
    assert {f.veld: (f.oud, f.nieuw) for f in toegevoegd.velden} == {
        "doelgroep": (None, "psychiatrie_ouder"), "expertise": (None, "psychiatrie_ouder"),
        "als": (None, {"kenmerken_een_van": ["psychiatrie_ouder"]}),
        "toelichting": (None, "Psychiatrische problematiek bij een ouder: de expertise van LJ&R.")}
    assert all(f.nieuw is None for f in verwijderd.velden)
    assert [(e.expertise, e.wijziging, e.oud, e.nieuw) for e in v.expertises] == [
        ("verslaving", GEWIJZIGD, (GI.LJR,), (GI.JBRR, GI.LJR)),
        ("radicalisering_en_eer", VERWIJDERD, (GI.JBRR,), None),
        ("psychiatrie_ouder", TOEGEVOEGD, None, (GI.LJR,))]
    assert [(f.veld, f.oud, f.nieuw) for f in v.velden] == [("geldig_vanaf", "2026-12-01", "2027-01-01")]


def test_a_rule_moved_before_another_is_a_change_of_its_position():
    bron = voorstel_bron()
    lvb = bron["regels"].pop(0)
    bron["regels"].insert(1, lvb)  # jeugdcriminaliteit now before lvb: a LVB youth offender goes elsewhere
    v = verschil(ACTIEF.regelset, Regelset.from_dict(bron))
    verplaatst = [r for r in v.regels if r.wijziging == GEWIJZIGD]
    assert [(r.regel, r.velden) for r in verplaatst] == [
        ("jeugdcriminaliteit", (Veldwijziging("positie", 2, 1),)),
        ("lvb", (Veldwijziging("positie", 1, 2),))]


def test_the_same_rules_make_no_difference():
    assert verschil(ACTIEF.regelset, ACTIEF.regelset).leeg


# --- a proposal is a valid ruleset with a new, higher version -------------------------------------

def test_a_proposal_shows_its_difference_and_its_event_names_the_rules():
    voorstel, event = dien_in()
    assert (voorstel.status, voorstel.versie, voorstel.basis_versie, voorstel.ontbrekend) == (
        VoorstelStatus.OPEN, "2026.3", "2026.2", [GI.JBRR, GI.WSS, GI.LJR])
    assert (event.versie, event.basis_versie, event.voorgesteld_door, event.regels_toegevoegd,
            event.regels_gewijzigd, event.regels_verwijderd, event.expertises_gewijzigd) == (
        "2026.3", "2026.2", GI.WSS, ["psychiatrie_ouder"], [], [], ["psychiatrie_ouder"])


@pytest.mark.parametrize(("wijzig", "veld", "melding"), [
    (lambda b: b["regels"][0].update(expertise="onbekend"), "regels", "'onbekend' is not in the expertises"),
    (lambda b: b["regels"][2]["als"].update(kenmerken_een_van=["gokken"]), "regels", "unknown value(s)"),
    (lambda b: b["regels"].pop(), "regels", "last rule must be an unconditional fallback"),
    (lambda b: b["regels"][1].update(doelgroep="Jeugd Criminaliteit"), "regels", "is not a code"),
    (lambda b: b["expertises"].update(lvb=["WSS", "NIDOS"]), "expertises", "unknown GI 'NIDOS'"),
    (lambda b: b.update(geldig_vanaf="1 januari"), "geldig_vanaf", "is not a date"),
    (lambda b: b.pop("geldig_vanaf"), "geldig_vanaf", "needs geldig_vanaf"),
    (lambda b: b.pop("expertises"), "expertises", "needs expertises"),
    (lambda b: b.update(versie="2026.3" * 5), "versie", "at most 20"),
    (lambda b: b.update(extra=1), None, "unknown field(s) extra"),
])
def test_an_invalid_ruleset_is_refused_naming_the_problem(wijzig, veld, melding):
    bron = voorstel_bron()
    wijzig(bron)
    with pytest.raises(InvalidInput) as refused:
        dien_in(bron)
    assert melding in refused.value.detail and refused.value.field == veld


@pytest.mark.parametrize(("versie", "melding"), [
    ("2026.2", "exists already"), ("2026.1", "exists already"), ("2025.9", "not higher than the active"),
    ("2026.1.5", "not higher than the active")])
def test_a_version_not_new_and_higher_is_a_conflict(versie, melding):
    with pytest.raises(Conflict, match=melding):
        dien_in(voorstel_bron(versie))


def test_a_proposal_that_changes_nothing_is_refused():
    with pytest.raises(InvalidInput, match="changes nothing"):
        dien_in({**copy.deepcopy(ACTIEF.bron), "versie": "2026.3"})


# --- approval: all three, one rejection, each GI once -------------------------------------------

def test_the_third_gi_approval_activates_the_version_at_that_moment():
    voorstel, _ = dien_in()
    [eerste] = voorstel.keur_goed(GI.WSS, "manager@WSS", "M. Peters", T0 + timedelta(hours=1), 1)
    [tweede] = voorstel.keur_goed(GI.LJR, "manager@LJR", None, T0 + timedelta(hours=2), 1)
    assert isinstance(eerste, RegelsetApproved) and tweede.goedgekeurd_door == [GI.WSS, GI.LJR]
    assert (voorstel.status, voorstel.ontbrekend, voorstel.geactiveerd_op) == (
        VoorstelStatus.OPEN, [GI.JBRR], None)
    derde_moment = T0 + timedelta(hours=3)
    approved, activated = voorstel.keur_goed(GI.JBRR, "manager@JBRR", None, derde_moment, 4)
    assert isinstance(approved, RegelsetApproved) and isinstance(activated, RegelsetActivated)
    assert (voorstel.status, voorstel.geactiveerd_op, voorstel.volgnummer) == (
        VoorstelStatus.GEACTIVEERD, derde_moment, 4)
    assert (activated.versie, activated.vorige_versie, activated.goedgekeurd_door,
            activated.geactiveerd_op) == ("2026.3", "2026.2", [GI.WSS, GI.LJR, GI.JBRR], derde_moment)


def test_the_same_gi_cannot_approve_twice():
    voorstel, _ = dien_in()
    voorstel.keur_goed(GI.WSS, "manager@WSS", None, T0, 1)
    with pytest.raises(Conflict, match="WSS goedgekeurd this proposal already"):
        voorstel.keur_goed(GI.WSS, "andere-manager@WSS", None, T0, 1)  # another manager of the same GI
    assert voorstel.goedgekeurd_door == [GI.WSS]


def test_one_rejection_ends_it_and_no_approval_follows():
    voorstel, _ = dien_in()
    voorstel.keur_goed(GI.WSS, "manager@WSS", None, T0, 1)
    voorstel.keur_goed(GI.LJR, "manager@LJR", None, T0, 1)
    event = voorstel.wijs_af(GI.JBRR, "manager@JBRR", None, RegelsetAfwijzingReden.FACTSHEET,
                             "  Wij hebben die expertise niet.  ", T0 + timedelta(minutes=5))
    assert isinstance(event, RegelsetRejected) and (event.gi, event.categorie) == (GI.JBRR, "factsheet")
    assert "toelichting" not in event.__dataclass_fields__  # the manager's words stay in triage
    assert (voorstel.status, voorstel.afwijzing.toelichting, voorstel.ontbrekend) == (
        VoorstelStatus.AFGEWEZEN, "Wij hebben die expertise niet.", [])
    for beslis in (lambda: voorstel.keur_goed(GI.JBRR, "manager@JBRR", None, T0, 1),
                   lambda: voorstel.wijs_af(GI.WSS, "manager@WSS", None, "overig", None, T0)):
        with pytest.raises(Conflict, match="is afgewezen; only an open proposal"):
            beslis()


def test_activation_ends_the_other_open_proposals_made_against_the_old_version():
    voorstel, _ = dien_in()
    ander, _ = dien_in(voorstel_bron("2026.4"))
    for gi in (GI.WSS, GI.LJR):
        voorstel.keur_goed(gi, f"manager@{gi}", None, T0, 1)
    _, activated = voorstel.keur_goed(GI.JBRR, "manager@JBRR", None, T0, 1, [ander])
    assert activated.vervallen_voorstellen == [ander.id]
    assert ander.status == VoorstelStatus.VERVALLEN and ander.afgesloten_op == T0
    with pytest.raises(Conflict, match="is vervallen"):
        ander.keur_goed(GI.WSS, "manager@WSS", None, T0, 2)


# --- through the bus: the next decision, not before -----------------------------------------------

def names(events) -> list[str]:
    """What the unit of work published: the contract events (adapters/wire.py)."""
    return [type(e).__name__ for e in events]


def clocked(uow: FakeUnitOfWork, moment):
    uow.clock.set(moment)
    return bus(uow)


async def decide(uow, moment, **report):
    uow.published.clear()
    await clocked(uow, moment).handle(melding(**{"kenmerken": ["psychiatrie_ouder"], **report}))
    return next(e for e in uow.published if type(e).__name__ == "TriageCompleted")


async def test_the_next_report_is_decided_by_the_new_version_once_all_three_approved_and_not_before():
    uow = FakeUnitOfWork(FakeRepository())
    voorstel = await clocked(uow, T0).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    assert names(uow.published) == ["RegelsetProposed"]

    for i, gi in enumerate((GI.WSS, GI.LJR), start=1):
        await clocked(uow, T0 + timedelta(minutes=i)).handle(ApproveRegelset(manager(gi), voorstel.id))
        besluit = await decide(uow, T0 + timedelta(minutes=i, seconds=30))
        assert (besluit.regelset_versie, besluit.doelgroep) == ("2026.2", "grijs_gebied")

    uow.published.clear()
    geactiveerd = await clocked(uow, T0 + timedelta(minutes=3)).handle(ApproveRegelset(manager(GI.JBRR),
                                                                                        voorstel.id))
    assert geactiveerd.status == VoorstelStatus.GEACTIVEERD
    assert geactiveerd.geactiveerd_op == T0 + timedelta(minutes=3)
    assert names(uow.transactions[-1]) == ["RegelsetApproved", "RegelsetActivated"]
    besluit = await decide(uow, T0 + timedelta(minutes=4))
    assert (besluit.regelset_versie, besluit.doelgroep, besluit.geschikte_gis) == (
        "2026.3", "psychiatrie_ouder", [GI.LJR])
    anders = await decide(uow, T0 + timedelta(minutes=5), kenmerken=["lvb_kind"])
    assert (anders.regelset_versie, anders.doelgroep) == ("2026.3", "lvb")  # the rest as before
    assert (await bus(uow).handle(ReadRegelset())).regelset.versie == "2026.3"


async def test_another_replica_decides_by_the_version_activated_on_this_one_at_once():
    """Two replicas of triage share one database: which version is active is read per decision."""
    database = FakeRegelsets()
    hier, daar = FakeUnitOfWork(FakeRepository(), regelsets=database), FakeUnitOfWork(FakeRepository(),
                                                                                      regelsets=database)
    assert (await decide(daar, T0)).regelset_versie == "2026.2"  # daar read (and parsed) 2026.2 first
    voorstel = await bus(hier).handle(ProposeRegelset(manager(GI.LJR), voorstel_bron()))
    for gi in GI:
        await bus(hier).handle(ApproveRegelset(manager(gi), voorstel.id))
    gelezen = database.gelezen
    assert (await decide(daar, T0 + timedelta(seconds=1))).regelset_versie == "2026.3"
    assert database.gelezen == gelezen + 1


async def test_a_consultation_reads_the_factsheet_of_the_active_version():
    uow = ConsultatieUow()
    voorstel_bron_ = voorstel_bron()
    voorstel_bron_["expertises"]["verslaving"] = ["WSS"]
    voorstel = await bus(uow).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron_))
    for gi in GI:
        await bus(uow).handle(ApproveRegelset(manager(gi), voorstel.id))
    team = Principal(sub="t@GM0599", rol="lokaal_team", organisatie="WT-GM0599", gemeente="GM0599")
    consultatie = await bus(uow).handle(RequestConsultatie(team, "GM0599", "verslaving"))
    assert (consultatie.gi, consultatie.regelset_versie) == (GI.WSS, "2026.3")


async def test_a_proposal_made_against_a_version_no_longer_active_ends_when_decided_on(monkeypatch):
    uow = FakeUnitOfWork(FakeRepository())
    voorstel = await bus(uow).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    nieuwer = regelsets.Versie(Regelset.from_dict(voorstel_bron("2027.1")), voorstel_bron("2027.1"))
    monkeypatch.setattr(regelsets, "nieuwste_bestand", lambda: nieuwer)  # a release shipped 2027.1
    with pytest.raises(Conflict, match=r"2027\.1 is active now: it ended"):
        await bus(uow).handle(ApproveRegelset(manager(GI.LJR), voorstel.id))
    assert uow.regelset_store.rows[voorstel.id].status == VoorstelStatus.VERVALLEN


async def test_only_a_gis_manager_proposes_or_decides():
    uow = FakeUnitOfWork(FakeRepository())
    medewerker = Principal(sub="x@WSS", rol=GI_ROL, organisatie="WSS")
    with pytest.raises(Forbidden):
        await bus(uow).handle(ProposeRegelset(medewerker, voorstel_bron()))
    voorstel = await bus(uow).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    for command in (ApproveRegelset(medewerker, voorstel.id), RejectRegelset(medewerker, voorstel.id)):
        with pytest.raises(Forbidden):
            await bus(uow).handle(command)
    vreemd = Principal(sub="m@NIDOS", rol=GI_MANAGER, organisatie="NIDOS")
    with pytest.raises(Forbidden, match="not a GI"):
        await bus(uow).handle(ApproveRegelset(vreemd, voorstel.id))


# --- over HTTP ----------------------------------------------------------------------------------

VOORSTELLEN = "/v1/doelgroepenbepaling/voorstellen"


@pytest.fixture
def api():
    uow = FakeUnitOfWork(FakeRepository())
    return TestClient(bootstrap_test_app(SPEC, uow)), uow


def test_a_proposal_over_http_201_with_its_difference_and_approvals(api):
    client, _ = api
    r = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS", naam="M. Peters"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"{VOORSTELLEN}/{body['id']}"
    assert (body["status"], body["versie"], body["basis_versie"], body["voorgesteld_door"], body["indiener"],
            body["indiener_naam"], body["ontbrekend"], body["goedkeuringen"]) == (
        "open", "2026.3", "2026.2", "WSS", "manager@WSS", "M. Peters", ["JBRR", "WSS", "LJR"], [])
    [regel] = body["verschil"]["regels"]
    assert (regel["regel"], regel["wijziging"], regel["positie_nieuw"]) == (
        "psychiatrie_ouder", "toegevoegd", 6)
    assert body["verschil"]["expertises"] == [
        {"expertise": "psychiatrie_ouder", "wijziging": "toegevoegd", "oud": None, "nieuw": ["LJR"]}]
    assert body["regelset"] == voorstel_bron()

    r = client.post(f"{VOORSTELLEN}/{body['id']}/goedkeuringen", headers=identity.gi_manager("LJR"))
    assert r.status_code == 201, r.text
    assert [(g["gi"], g["manager"]) for g in r.json()["goedkeuringen"]] == [("LJR", "manager@LJR")]
    assert r.json()["ontbrekend"] == ["JBRR", "WSS"]
    assert client.get(f"{VOORSTELLEN}/{body['id']}", headers=identity.rvdk()).json()["ontbrekend"] == [
        "JBRR", "WSS"]
    page = client.get(VOORSTELLEN, params={"status": "open"}, headers=identity.regio()).json()
    assert page["total"] == 1 and page["items"][0]["id"] == body["id"]


def test_activated_over_http_it_is_the_active_version_and_listed_as_one(api):
    client, _ = api
    voorstel = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS")).json()
    for gi in ("JBRR", "WSS", "LJR"):
        r = client.post(f"{VOORSTELLEN}/{voorstel['id']}/goedkeuringen", json={"gi": gi},
                        headers=identity.gi_manager(gi))
        assert r.status_code == 201, r.text
    assert r.json()["status"] == "geactiveerd" and r.json()["geactiveerd_op"]
    lezer = identity.lokaal_team()
    assert client.get("/v1/doelgroepenbepaling", headers=lezer).json()["versie"] == "2026.3"
    versies = client.get("/v1/doelgroepenbepaling/versies", headers=lezer).json()
    assert [(v["versie"], v["actief"], v["herkomst"]) for v in versies] == [
        ("2026.1", False, "bestand"), ("2026.2", False, "bestand"), ("2026.3", True, "voorstel")]
    assert versies[2]["voorstel_id"] == voorstel["id"]
    assert client.get("/v1/doelgroepenbepaling/versies/2026.3", headers=lezer).json() == voorstel_bron()


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def test_an_invalid_ruleset_is_400_naming_the_problem(api):
    client, _ = api
    bron = voorstel_bron()
    bron["regels"][2]["als"] = {"kenmerken_een_van": ["gokken"]}
    body = _problem(client.post(VOORSTELLEN, json=bron, headers=identity.gi_manager("WSS")), 400)
    assert ("regels[2] (complexe_scheiding), als: kenmerken_een_van has unknown value(s) ['gokken']"
            in body["detail"])
    assert [p["name"] for p in body["invalidParams"]] == ["regels"]
    assert _problem(client.post(VOORSTELLEN, json=[1, 2], headers=identity.gi_manager("WSS")), 400)


def test_a_version_not_newer_is_409(api):
    client, _ = api
    r = client.post(VOORSTELLEN, json=voorstel_bron("2026.2"), headers=identity.gi_manager("WSS"))
    body = _problem(r, 409)
    assert "exists already" in body["detail"]


def test_double_approval_and_approval_after_rejection_are_409(api):
    client, uow = api
    voorstel = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS")).json()
    path = f"{VOORSTELLEN}/{voorstel['id']}"
    assert client.post(f"{path}/goedkeuringen", headers=identity.gi_manager("WSS")).status_code == 201
    assert "each GI decides once" in _problem(
        client.post(f"{path}/goedkeuringen", headers=identity.gi_manager("WSS")), 409)["detail"]
    r = client.post(f"{path}/afwijzingen", json={"categorie": "capaciteit", "toelichting": "Geen ruimte"},
                    headers=identity.gi_manager("JBRR"))
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["afwijzing"]["categorie"], r.json()["afwijzing"]["toelichting"]) == (
        "afgewezen", "capaciteit", "Geen ruimte")
    assert names(uow.transactions[-1]) == ["RegelsetRejected"]
    _problem(client.post(f"{path}/goedkeuringen", headers=identity.gi_manager("LJR")), 409)
    _problem(client.post(f"{path}/afwijzingen", headers=identity.gi_manager("LJR")), 409)


@pytest.mark.parametrize("caller", [identity.gi("WSS"), identity.rvdk(), identity.regio(),
                                    identity.lokaal_team()])
def test_proposing_and_deciding_are_for_a_gis_manager_only(api, caller):
    client, _ = api
    voorstel = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS")).json()
    _problem(client.post(VOORSTELLEN, json=voorstel_bron("2026.4"), headers=caller), 403)
    for beslissing in ("goedkeuringen", "afwijzingen"):
        _problem(client.post(f"{VOORSTELLEN}/{voorstel['id']}/{beslissing}", headers=caller), 403)


def test_a_manager_decides_only_for_its_own_gi_and_an_unknown_proposal_is_404(api):
    client, _ = api
    voorstel = client.post(VOORSTELLEN, json=voorstel_bron(), headers=identity.gi_manager("WSS")).json()
    body = _problem(client.post(f"{VOORSTELLEN}/{voorstel['id']}/goedkeuringen", json={"gi": "LJR"},
                                headers=identity.gi_manager("WSS")), 403)
    assert [p["name"] for p in body["invalidParams"]] == ["gi"]
    _problem(client.post(f"{VOORSTELLEN}/{uuid4()}/goedkeuringen", headers=identity.gi_manager("WSS")), 404)
    _problem(client.get(f"{VOORSTELLEN}/{uuid4()}", headers=identity.rvdk()), 404)


def test_the_schema_is_published_to_the_chain(api):
    client, _ = api
    r = client.get("/v1/doelgroepenbepaling/schema", headers=identity.rvdk())
    assert r.status_code == 200 and r.json()["$schema"].endswith("2020-12/schema")
    assert r.json()["required"] == ["versie", "geldig_vanaf", "expertises", "regels"]


async def test_deciding_on_the_rules_is_no_processing_of_a_childs_data():
    uow = FakeUnitOfWork(FakeRepository())
    voorstel = await bus(uow).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    await bus(uow).handle(ApproveRegelset(manager(GI.WSS), voorstel.id))
    await bus(uow).handle(RejectRegelset(manager(GI.LJR), voorstel.id, "doelgroep", "Niet zo"))
    assert uow.commits == 3 and uow.verwerkingen == []


async def test_the_managers_names_are_erased_seven_years_after_the_proposal_closed():
    uow = ConsultatieUow()  # the erasure job erases C&A family ids too
    afgewezen = await clocked(uow, T0).handle(ProposeRegelset(manager(GI.WSS, "M. Peters"), voorstel_bron()))
    await bus(uow).handle(ApproveRegelset(manager(GI.JBRR, "J. de Vries"), afgewezen.id))
    await bus(uow).handle(RejectRegelset(manager(GI.LJR, "L. Bakker"), afgewezen.id, "doelgroep", "Niet zo"))
    later = T0 + timedelta(days=365 * 6)
    open_ = await clocked(uow, later).handle(ProposeRegelset(manager(GI.JBRR, "A. Jansen"),
                                                             voorstel_bron("2026.4")))

    def namen(v):
        kept = uow.regelsets.rows[v.id]
        return kept.indiener_naam, [b.manager_naam for b in kept.besluiten]

    uow.clock.set(datetime.combine(add_months(local_date(T0), 7 * 12), time(12), tzinfo=REGION_TZ))
    await bus(uow).handle(EraseExpired())  # the 7th anniversary of its closing day: still kept
    assert namen(afgewezen) == ("M. Peters", ["J. de Vries", "L. Bakker"])
    uow.clock.advance(days=1)
    await bus(uow).handle(EraseExpired())
    assert namen(afgewezen) == (None, [None, None])
    kept = uow.regelsets.rows[afgewezen.id]
    assert [(b.gi, b.manager, b.besluit) for b in kept.besluiten] == [
        (GI.JBRR, "manager@JBRR", "goedgekeurd"), (GI.LJR, "manager@LJR", "afgewezen")]
    assert namen(open_) == ("A. Jansen", [])  # still open: nothing erased
