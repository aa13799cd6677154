"""What the reporting service keeps of an event: pseudonymous ids, codes, dates and counts only.

Generated explanations, the pseudonyms of managers and protectors and ages are dropped before
anything is stored (events carry no free text or names at all, and events recorded before that
lose theirs here too); of a reason only its category is kept: a transfer's, a rejection's, an
override's. Pure.
"""

import hashlib
import json

from services.reporting.domain.events import (
    ADVIES,
    CONSULTATIE,
    CONSULTATIE_UREN,
    DRANG,
    ESCALATIE,
    ESCALATIE_BEVESTIGD,
    ESCALATIE_VOORBIJ,
    GESLOTEN,
    JEUGDBESCHERMER,
    JEUGDHULP,
    MAATREGEL,
    MELDING,
    OVERDRACHT_AANGEVRAAGD,
    OVERDRACHT_AFGEWEZEN,
    OVERDRACHT_GOEDGEKEURD,
    OVERGEDRAGEN,
    TOEWIJZING,
    TRIAGE,
    UITHUISPLAATSING,
    UITHUISPLAATSING_EINDE,
    Feit,
)

# Per event type: the fields kept. Lists of children keep only `kind_id`.
BEWAARD: dict[str, tuple[str, ...]] = {
    MELDING: (
        "melding_id",
        "gezin_id",
        "gemeente",
        "urgentie",
        "kader",
        "kinderen",
        "herhaald_beroep",
        "ontvangen_op",
    ),
    TRIAGE: (
        "melding_id",
        "gezin_id",
        "gemeente",
        "doelgroep",
        "expertise",
        "regelset_versie",
        "regel",
        "besloten_op",
    ),
    ADVIES: (
        "advies_id",
        "melding_id",
        "gezin_id",
        "gemeente",
        "urgentie",
        "doelgroep",
        "gi",
        "voorgestelde_gi",
        "afwijking",
        "afwijking_categorie",
        "bevestigd_door",
        "kinderen",
        "geadviseerd_op",
    ),
    MAATREGEL: (
        "maatregel_id",
        "melding_id",
        "advies_id",
        "gezin_id",
        "gemeente",
        "doelgroep",
        "maatregel",
        "route",
        "raadsonderzoek",
        "startdatum",
        "gi",
        "kinderen",
        "opgelegd_op",
    ),
    TOEWIJZING: (
        "casus_id",
        "melding_id",
        "gezin_id",
        "gemeente",
        "gi",
        "doelgroep",
        "maatregel",
        "nieuwe_casus",
        "kinderen",
        "toegewezen_op",
    ),
    JEUGDBESCHERMER: ("casus_id", "gemeente", "gi", "kinderen", "toegewezen_op"),
    OVERDRACHT_AANGEVRAAGD: (
        "overdracht_id",
        "casus_id",
        "gemeente",
        "van_gi",
        "naar_gi",
        "categorie",
        "aangevraagd_op",
    ),
    OVERDRACHT_GOEDGEKEURD: ("overdracht_id", "casus_id", "gemeente", "gi", "goedgekeurd_op"),
    OVERDRACHT_AFGEWEZEN: ("overdracht_id", "casus_id", "gemeente", "gi", "categorie", "afgewezen_op"),
    OVERGEDRAGEN: (
        "casus_id",
        "overdracht_id",
        "gemeente",
        "van_gi",
        "naar_gi",
        "categorie",
        "kinderen",
        "overgedragen_op",
    ),
    GESLOTEN: ("casus_id", "gezin_id", "gemeente", "gi", "reden", "kinderen", "gesloten_op"),
    DRANG: ("casus_id", "gemeente", "gi", "termijn", "startdatum", "gesignaleerd_op"),
    ESCALATIE: ("escalatie_id", "niveau", "gestart_op", "tijdstip"),
    ESCALATIE_VOORBIJ: ("escalatie_id", "hoogste_niveau", "gestart_op", "beeindigd_op"),
    # A party's acknowledgement: who (rvdk, a GI, grjr: a code), the level and its moments.
    ESCALATIE_BEVESTIGD: ("escalatie_id", "partij", "niveau", "niveau_sinds", "bevestigd_op", "gestart_op"),
    UITHUISPLAATSING: ("plaatsing_id", "casus_id", "gezin_id", "gemeente", "gi", "kind_id", "vorm",
                       "in_netwerk", "startdatum", "geregistreerd_op"),
    UITHUISPLAATSING_EINDE: ("plaatsing_id", "casus_id", "gemeente", "gi", "kind_id", "vorm", "in_netwerk",
                             "startdatum", "einddatum", "geregistreerd_op"),
    JEUGDHULP: ("jeugdhulp_id", "casus_id", "gezin_id", "gemeente", "gi", "kind_id", "vorm", "startdatum",
                "geregistreerd_op"),
    # Of a C&A request not the generated reason of its routing: only whether the factsheet decided it.
    CONSULTATIE: ("consultatie_id", "gemeente", "categorie", "gezin_id", "gi", "expertise", "aangevraagd_op"),
    CONSULTATIE_UREN: ("consultatie_id", "registratie_id", "gemeente", "categorie", "gi", "uren", "datum",
                       "geregistreerd_op"),
}
EVENT_TYPES = tuple(BEWAARD)


def minimaliseer(event_type: str, data: dict) -> dict:
    """The event's data as the reporting service stores it (JSON-ready values expected)."""
    kept = {k: data[k] for k in BEWAARD[event_type] if k in data}
    if "kinderen" in kept:
        kept["kinderen"] = [{"kind_id": str(k["kind_id"])} for k in kept["kinderen"]]
    return kept


def feit(event_type: str, data: dict) -> Feit:
    """The event of this type with this (JSON-ready) data, as reporting keeps it."""
    return Feit(event_type, minimaliseer(event_type, data))


def inhoud_sleutel(event_type: str, data: dict) -> str:
    """Content hash: the same fact delivered again under another event id is stored once."""
    canonical = json.dumps([event_type, data], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dossier_van(event_type: str, data: dict) -> str | None:
    """The dossier an event belongs to: the family (gezin), an escalation, or a C&A request
    without a family (and the hours recorded on any request: they need nothing but themselves).
    Case events that name only the case are placed through the case's family (None here)."""
    if data.get("gezin_id"):
        return str(data["gezin_id"])
    if data.get("escalatie_id"):
        return f"escalatie:{data['escalatie_id']}"
    if data.get("consultatie_id"):
        return f"consultatie:{data['consultatie_id']}"
    return None
