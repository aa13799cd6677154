"""The JSON Schema of a ruleset, as a proposal must be written (format 2: rules lead to an expertise
of the factsheet). Pure data, made of the very values Regelset.from_dict checks against (one source
of truth; tests/unit/test_triage_regelsetschema.py holds the two to the same answers). What a JSON
Schema cannot say is checked by from_dict alone and named in the description."""
from contracts.vocabulary import GI, MAX_LEEFTIJD
from services.triage.domain.model import (
    CODE,
    CONDITIE_VELDEN,
    DATUM,
    MAX_DIEPTE,
    MAX_EXPERTISES,
    MAX_OMSCHRIJVING,
    MAX_REGELS,
    MAX_TOELICHTING,
    MAX_VERSIE,
    REGEL_VELDEN,
    REGELSET_VELDEN,
    VERSIE,
    VOCABULAIRE,
)

SCHEMA_ID = "urn:jbketen:triage:regelset:2"
# Checked by the service beyond the schema: a proposal is also refused when one of these fails.
BEYOND = (
    "rule ids are unique",
    "a rule's expertise is a key of `expertises` (null: grey area)",
    "the last rule, and only the last, is unconditional (`als: {}`): the grey-area fallback",
    "a proposal's `versie` is new (no file or earlier proposal has it) and higher than the active one",
)


def _code() -> dict:
    return {"type": "string", "pattern": f"^{CODE.pattern}$"}


def _tekst(maximum: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": maximum, "pattern": r"\S"}


def _conditie(diepte: int) -> dict:
    """A condition; een_van nests at most MAX_DIEPTE deep (unrolled: no recursion to resolve)."""
    eigenschappen: dict = {
        key: {"type": "array", "minItems": 1, "maxItems": len(vocabulaire), "uniqueItems": True,
              "items": {"enum": [v.value for v in vocabulaire]}}
        for key, vocabulaire in VOCABULAIRE.items()
    }
    eigenschappen["minimum_leeftijd"] = {"type": "integer", "minimum": 0, "maximum": MAX_LEEFTIJD}
    if diepte < MAX_DIEPTE:
        eigenschappen["een_van"] = {"type": "array", "minItems": 2, "maxItems": MAX_REGELS,
                                    "items": {**_conditie(diepte + 1), "minProperties": 1}}
    assert set(eigenschappen) <= set(CONDITIE_VELDEN)
    return {"type": "object", "additionalProperties": False, "properties": eigenschappen}


def regelset_schema() -> dict:
    regel = {
        "type": "object",
        "additionalProperties": False,
        "required": list(REGEL_VELDEN),
        "properties": {
            "id": _code(),
            "doelgroep": _code(),
            "expertise": {"anyOf": [_code(), {"type": "null"}],
                          "description": "A key of `expertises`; null: a grey area, every GI is eligible."},
            "als": {**_conditie(0), "description": "All given parts must hold; `een_van` holds when one of "
                                                   "its conditions does. `{}` always holds (the fallback)."},
            "toelichting": _tekst(MAX_TOELICHTING),
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Doelgroepenbepaling (target-group ruleset)",
        "description": "A version of the target-group rules. The first rule whose condition holds decides. "
                       "Checked beyond this schema: " + "; ".join(BEYOND) + ".",
        "type": "object",
        "additionalProperties": False,
        "required": [k for k in REGELSET_VELDEN if k != "omschrijving"],
        "properties": {
            "versie": {"type": "string", "pattern": f"^{VERSIE.pattern}$", "maxLength": MAX_VERSIE},
            "geldig_vanaf": {"type": "string", "format": "date", "pattern": f"^{DATUM.pattern}$"},
            "omschrijving": {"type": "string", "maxLength": MAX_OMSCHRIJVING},
            "expertises": {
                "type": "object", "minProperties": 1, "maxProperties": MAX_EXPERTISES,
                "propertyNames": _code(),
                "additionalProperties": {"type": "array", "minItems": 1, "maxItems": len(GI),
                                         "uniqueItems": True, "items": {"enum": [g.value for g in GI]}},
                "description": "The shared factsheet: each expertise and the GIs that have it.",
            },
            "regels": {"type": "array", "minItems": 1, "maxItems": MAX_REGELS, "items": regel},
        },
    }
