"""No event carries free text a person typed, nor a person's name, BSN, birth date, phone or
address: every string field of every schema in contracts/ is bounded (an enum, a pattern, a
format, or a short maximum length), except a few explanations the system itself generates, each
reviewed and named below. Reasons travel as categories, people as pseudonyms; events recorded
before still read, without their free text."""
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import BaseModel

from contracts.events import (
    EVENT_TYPES,
    AdviesIssued,
    CasusTransferred,
    JeugdbeschermerAssigned,
    Kind,
    MeldingReceived,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
    TriageCompleted,
)
from contracts.generate import SCHEMA_DIR
from contracts.vocabulary import GI, AfwijkingReden, AfwijzingReden, OverdrachtReden, Urgentie
from services.caseregie.adapters import wire as caseregie_wire
from services.caseregie.domain.model import Casus, CasusKind
from services.triage.adapters import regelsets
from services.triage.adapters import wire as triage_wire
from services.triage.domain.model import Advies, bepaal_doelgroep

# Reviewed: strings the system writes itself, never a person. (schema $id, JSON path).
GENERATED_EXPLANATIONS = {
    ("nl.jbketen.triage.completed.v1", "toelichting"),  # the ruleset's text of the rule that fired
    ("nl.jbketen.advies.issued.v1", "reden"),  # the ranking, or "wijkt af ...: <category in words>"
    ("nl.jbketen.casus.assigned.v1", "gi_reden"),  # "Eén gezin, één plan: ..."
    ("nl.jbketen.escalatie.raised.v1", "redenen[]"),  # the capacity thresholds crossed
    ("nl.jbketen.consultatie.requested.v1", "reden"),  # the factsheet's GI, or the shares compared
}
SHORT = 64  # a maximum length this short holds a code, not a story
# Field names that would hold a person, whatever their type.
PERSONAL = ("naam", "bsn", "geboorte", "telefoon", "adres", "postcode", "woonplaats", "email", "manager")
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _bounded(schema: dict) -> bool:
    constrained = any(k in schema for k in ("enum", "const", "pattern", "format"))
    return constrained or schema.get("maxLength", 10**9) <= SHORT


def fields(schema: dict, root: dict, path: str = "") -> list[tuple[str, dict]]:
    """Every leaf of a schema: (path, its schema), through $refs, anyOf/oneOf/allOf and arrays."""
    schema = _resolve(schema, root)
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += fields(option, root, path)
    if schema.get("type") == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            found += fields(sub, root, f"{path}.{name}" if path else name)
    elif schema.get("type") == "array":
        found += fields(schema.get("items", {}), root, f"{path}[]")
    elif not any(key in schema for key in ("anyOf", "oneOf", "allOf")):
        found.append((path, schema))
    return found


def violations(schema: dict) -> list[str]:
    """Unbounded free-text strings not on the reviewed list, and fields named after a person."""
    event_type = schema.get("$id", schema.get("title", "?"))
    problems = []
    for path, leaf in fields(schema, schema):
        name = path.rsplit(".", 1)[-1].rstrip("[]")
        if any(word in name.lower() for word in PERSONAL) and not name.endswith("_id"):
            problems.append(f"{event_type}: {path} is named after a person")
        reviewed = (event_type, path) in GENERATED_EXPLANATIONS
        if leaf.get("type") == "string" and not _bounded(leaf) and not reviewed:
            problems.append(f"{event_type}: {path} is unbounded free text")
    return problems


def schemas() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(SCHEMA_DIR).glob("*.json"))]


def test_every_event_schema_is_walked():
    assert {s["$id"] for s in schemas()} == set(EVENT_TYPES)
    walked = {path for s in schemas() for path, _ in fields(s, s)}
    assert {"gemeente", "kinderen[].kind_id", "manager_id", "categorie", "jeugdbeschermer_id"} <= walked


def test_no_schema_has_unbounded_free_text_or_a_person():
    problems = [p for s in schemas() for p in violations(s)]
    assert problems == []


def test_the_reviewed_explanations_are_still_there_and_still_needed():
    """An entry that no longer matches an unbounded field must leave the list (it stays short)."""
    unbounded = {(s["$id"], path) for s in schemas() for path, leaf in fields(s, s)
                 if leaf.get("type") == "string" and not _bounded(leaf)}
    assert unbounded == GENERATED_EXPLANATIONS


def test_the_walk_finds_free_text_and_people():
    class Leaky(BaseModel):
        reden: str
        manager: str
        code: str | None = None
        teksten: list[str] = []

    schema = {**Leaky.model_json_schema(), "$id": "leaky"}
    assert violations(schema) == [
        "leaky: reden is unbounded free text", "leaky: manager is named after a person",
        "leaky: manager is unbounded free text", "leaky: code is unbounded free text",
        "leaky: teksten[] is unbounded free text"]


# --- the domains build events without the text and the people ----------------------------------

TEXT = "Moeder (Fatima el Amrani, 06-12345678) verhuist naar de Dorpsstraat 1 in Zwolle"


def _casus() -> Casus:
    kind = CasusKind(kind_id=uuid4(), leeftijd=4, melding_id=uuid4(), maatregel_id=uuid4(), maatregel="OTS",
                     maatregel_start=NOW.date(), toegevoegd_op=NOW, wacht_sinds=NOW)
    return Casus(id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", gi=GI.JBRR, doelgroep="lvb",
                 status="open", geopend_op=NOW, kinderen=[kind])


def test_transfers_travel_as_categories_and_managers_as_pseudonyms():
    casus = _casus()
    overdracht, requested = casus.vraag_overdracht(GI.WSS, TEXT, OverdrachtReden.VERHUIZING, NOW)
    decided = [*casus.keur_overdracht_goed(overdracht.id, GI.JBRR, "sub-JBRR", NOW, "J. Jansen", uuid4()),
               *casus.keur_overdracht_goed(overdracht.id, GI.WSS, "sub-WSS", NOW, "P. Peters", uuid4())]
    transferred = decided[-1]
    other = _casus()
    o2, _ = other.vraag_overdracht(GI.LJR, TEXT, OverdrachtReden.RELATIE, NOW)
    rejected = other.wijs_overdracht_af(o2.id, GI.LJR, "sub-LJR", TEXT, NOW, "K. de Vries",
                                        AfwijzingReden.CONTINUITEIT, uuid4())
    for event in (requested, *decided, rejected):
        text = caseregie_wire.to_contract(event).model_dump_json()
        for secret in (TEXT, "Amrani", "sub-JBRR", "sub-WSS", "sub-LJR", "Jansen", "Peters", "de Vries"):
            assert secret not in text, (type(event).__name__, secret)
    assert (requested.categorie, transferred.categorie, rejected.categorie) == (
        OverdrachtReden.VERHUIZING, OverdrachtReden.VERHUIZING, AfwijzingReden.CONTINUITEIT)
    assert overdracht.reden == TEXT and o2.afwijzing.reden == TEXT  # the text stays in caseregie


def test_a_protector_travels_as_a_pseudonym():
    casus = _casus()
    pseudoniem = uuid4()
    event = casus.wijs_jeugdbeschermer_toe(GI.JBRR, "JBRR-0042", "Sanne Yilmaz", NOW, pseudoniem)
    assert event.jeugdbeschermer_id == pseudoniem
    text = caseregie_wire.to_contract(event).model_dump_json()
    assert "JBRR-0042" not in text and "Yilmaz" not in text


def test_an_override_travels_as_a_category():
    melding = MeldingReceived(
        melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", urgentie=Urgentie.REGULIER,
        kinderen=[Kind(kind_id=uuid4(), leeftijd=9)], zorgen=["veiligheid"], kenmerken=[], ontvangen_op=NOW)
    besluit = bepaal_doelgroep(regelsets.nieuwste_bestand().regelset, melding.zorgen, melding.kenmerken, [9],
                               None)
    advies = Advies.voorstel(triage_wire.melding(melding), besluit, {}, NOW)
    andere = next(gi for gi in GI if gi != advies.voorgestelde_gi)
    event = triage_wire.to_contract(advies.wijk_af(andere, TEXT, NOW, AfwijkingReden.BEKEND_BIJ_GI))
    assert event.afwijking_categorie == AfwijkingReden.BEKEND_BIJ_GI
    assert "Amrani" not in event.model_dump_json() and advies.afwijking_reden == TEXT


# --- events recorded before still read, without their text -------------------------------------

def _ids() -> dict:
    return {"overdracht_id": str(uuid4()), "casus_id": str(uuid4()), "gemeente": "GM0599"}


@pytest.mark.parametrize(("cls", "old"), [
    (OverdrachtRequested, {"van_gi": "JBRR", "naar_gi": "WSS", "reden": TEXT, "categorie": "verhuizing",
                           "aangevraagd_op": NOW.isoformat()}),
    (CasusTransferred, {"van_gi": "JBRR", "naar_gi": "WSS", "reden": TEXT, "categorie": "verhuizing",
                        "kinderen": [{"kind_id": str(uuid4()), "leeftijd": 3}],
                        "overgedragen_op": NOW.isoformat()}),
    (OverdrachtApproved, {"gi": "WSS", "manager": "J. Jansen", "goedgekeurd_op": NOW.isoformat()}),
    (OverdrachtRejected, {"gi": "WSS", "manager": "J. Jansen", "reden": TEXT,
                          "afgewezen_op": NOW.isoformat()}),
])
def test_events_recorded_with_free_text_or_names_still_read_without_them(cls, old):
    event = cls.model_validate({**_ids(), **old})
    assert TEXT not in event.model_dump_json() and "Jansen" not in event.model_dump_json()
    if isinstance(event, OverdrachtRejected):
        assert (event.categorie, event.manager_id) == (AfwijzingReden.OVERIG, None)


def test_an_override_recorded_with_its_text_keeps_only_the_generated_part():
    old = {"advies_id": str(uuid4()), "melding_id": str(uuid4()), "gezin_id": str(uuid4()),
           "gemeente": "GM0599", "urgentie": "regulier", "doelgroep": "lvb", "gi": "JBRR",
           "voorgestelde_gi": "WSS", "afwijking": True,
           "reden": f"De RvdK wijkt af van het voorstel (WSS): {TEXT}", "afwijking_reden": TEXT,
           "bevestigd_door": "rvdk", "kinderen": [{"kind_id": str(uuid4()), "leeftijd": 3}],
           "geadviseerd_op": NOW.isoformat()}
    event = AdviesIssued.model_validate(old)
    assert event.reden == "De RvdK wijkt af van het voorstel (WSS)." and event.afwijking_categorie is None
    assert TEXT not in event.model_dump_json()


def test_a_protector_recorded_by_staff_code_reads_without_it():
    event = JeugdbeschermerAssigned.model_validate({
        "casus_id": str(uuid4()), "gemeente": "GM0599", "gi": "WSS", "jeugdbeschermer_id": "WSS-0042",
        "kinderen": [{"kind_id": str(uuid4()), "wachtdagen": 3}], "toegewezen_op": NOW.isoformat()})
    assert event.jeugdbeschermer_id is None


def test_a_name_where_a_code_belongs_is_refused():
    event = TriageCompleted.model_validate({
        "melding_id": str(uuid4()), "gezin_id": str(uuid4()), "gemeente": "GM0599", "doelgroep": "lvb",
        "expertise": "lvb", "geschikte_gis": ["WSS"], "regelset_versie": "2026.1", "regel": "lvb",
        "toelichting": "LVB", "besloten_op": NOW.isoformat()})
    assert event.doelgroep == "lvb"
    with pytest.raises(ValueError):  # a name where a code belongs is refused
        TriageCompleted.model_validate({**event.model_dump(mode="json"), "doelgroep": "Fatima el Amrani"})
