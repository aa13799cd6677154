"""The published JSON Schema of a ruleset and the service's own check (Regelset.from_dict, through
lees_voorstel) give the same answers: a ruleset one accepts the other accepts, a mistake one refuses
the other refuses. Checked with jsonschema-rs, an independent validator of JSON Schema 2020-12."""
import copy

import jsonschema_rs
import pytest

from runtime.errors import InvalidInput
from services.triage.adapters import regelsets
from services.triage.domain.model import MAX_DIEPTE, MAX_REGELS
from services.triage.domain.regelsetschema import BEYOND, regelset_schema
from services.triage.domain.regelsetvoorstel import lees_voorstel

SCHEMA = regelset_schema()
VALIDATOR = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)
GELDIG = regelsets.versie("2026.2").bron


def met(wijzig) -> dict:
    bron = copy.deepcopy(GELDIG)
    wijzig(bron)
    return bron


def dienst_neemt_aan(bron) -> bool:
    try:
        lees_voorstel(bron)
        return True
    except InvalidInput:
        return False


def genest(diepte: int) -> dict:
    conditie = {"kenmerken_een_van": ["lvb_kind"]}
    for _ in range(diepte):
        conditie = {"een_van": [conditie, {"zorgen_een_van": ["veiligheid"]}]}
    return conditie


def test_the_schema_is_a_valid_json_schema_2020_12():
    assert jsonschema_rs.meta.is_valid(SCHEMA)


ACCEPTED = {
    "the shipped 2026.2": lambda b: None,
    "without omschrijving": lambda b: b.pop("omschrijving"),
    "a condition nested as deep as allowed": lambda b: b["regels"][0].update(als=genest(MAX_DIEPTE)),
    "a minimum age": lambda b: b["regels"][0]["als"].update(minimum_leeftijd=12),
    "an expertise no rule uses": lambda b: b["expertises"].update(extra=["WSS"]),
}
REFUSED = {
    "an unknown field": lambda b: b.update(nieuw=True),
    "an unknown field in a rule": lambda b: b["regels"][0].update(gi="WSS"),
    "an unknown field in a condition": lambda b: b["regels"][0]["als"].update(ouder_dan=3),
    "no geldig_vanaf": lambda b: b.pop("geldig_vanaf"),
    "geldig_vanaf not a date": lambda b: b.update(geldig_vanaf="2026-13-01"),
    "geldig_vanaf another notation": lambda b: b.update(geldig_vanaf="20261201"),
    "no expertises (format 1)": lambda b: b.pop("expertises"),
    "an empty factsheet": lambda b: b.update(expertises={}),
    "an expertise without GI": lambda b: b["expertises"].update(lvb=[]),
    "an unknown GI": lambda b: b["expertises"].update(lvb=["NIDOS"]),
    "a GI twice": lambda b: b["expertises"].update(lvb=["WSS", "WSS"]),
    "an expertise not a code": lambda b: b["expertises"].update({"Zwaar LVB": ["WSS"]}),
    "versie not a version": lambda b: b.update(versie="twee"),
    "versie too long": lambda b: b.update(versie="1." * 10 + "1"),
    "versie a number": lambda b: b.update(versie=2026.3),
    "no rules": lambda b: b.update(regels=[]),
    "too many rules": lambda b: b.update(regels=[b["regels"][0]] * (MAX_REGELS + 1)),
    "a rule id not a code": lambda b: b["regels"][0].update(id="LVB regel"),
    "a rule without toelichting": lambda b: b["regels"][0].pop("toelichting"),
    "a blank toelichting": lambda b: b["regels"][0].update(toelichting="   "),
    "a rule without expertise": lambda b: b["regels"][0].pop("expertise"),
    "an unknown kenmerk": lambda b: b["regels"][0]["als"].update(kenmerken_een_van=["gokken"]),
    "a kenmerk twice": lambda b: b["regels"][0]["als"].update(kenmerken_een_van=["lvb_kind", "lvb_kind"]),
    "an empty list of kenmerken": lambda b: b["regels"][0]["als"].update(kenmerken_een_van=[]),
    "an age over the chain's maximum": lambda b: b["regels"][0]["als"].update(minimum_leeftijd=26),
    "een_van with one condition": lambda b: b["regels"][1]["als"].update(
        een_van=[{"kader_een_van": ["straf"]}]),
    "an empty condition in een_van": lambda b: b["regels"][1]["als"]["een_van"].append({}),
    "een_van nested too deep": lambda b: b["regels"][0].update(als=genest(MAX_DIEPTE + 1)),
    "a condition not an object": lambda b: b["regels"][0].update(als=["lvb_kind"]),
}


@pytest.mark.parametrize("wijzig", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_the_schema_accepts_the_service_accepts(wijzig):
    bron = met(wijzig)
    assert VALIDATOR.is_valid(bron) and dienst_neemt_aan(bron)


@pytest.mark.parametrize("wijzig", REFUSED.values(), ids=REFUSED.keys())
def test_what_the_schema_refuses_the_service_refuses(wijzig):
    bron = met(wijzig)
    assert not VALIDATOR.is_valid(bron)
    assert not dienst_neemt_aan(bron)


BEYOND_SCHEMA = {
    "a rule id twice": lambda b: b["regels"][1].update(id="lvb"),
    "an expertise not in the factsheet": lambda b: b["regels"][0].update(expertise="onbekend"),
    "no fallback last": lambda b: b["regels"].pop(),
    "a fallback before the last rule": lambda b: b["regels"].insert(0, {**b["regels"][-1], "id": "vroeg"}),
}


@pytest.mark.parametrize("wijzig", BEYOND_SCHEMA.values(), ids=BEYOND_SCHEMA.keys())
def test_what_a_json_schema_cannot_say_the_service_refuses_and_the_schema_names(wijzig):
    bron = met(wijzig)
    assert VALIDATOR.is_valid(bron) and not dienst_neemt_aan(bron)
    assert all(regel in SCHEMA["description"] for regel in BEYOND)


def test_the_old_format_file_is_read_but_is_no_proposal():
    # 2026.1 named GIs in its rules: still read (decisions name it), never proposed again.
    oud = regelsets.versie("2026.1").bron
    assert regelsets.versie("2026.1").regelset.versie == "2026.1"
    assert not VALIDATOR.is_valid(oud) and not dienst_neemt_aan(oud)
