"""What the reporting service keeps of an event: pseudonymous ids, codes, dates and counts only.

Generated explanations, the pseudonyms of managers and protectors and ages are dropped before
anything is stored (events carry no free text or names at all, and events recorded before that
lose theirs here too); of a reason only its category is kept: a transfer's, a rejection's, an
override's. Pure.
"""

import hashlib
import json

from contracts.events import (
    AdviesIssued,
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    EscalationCleared,
    EscalationRaised,
    JeugdbeschermerAssigned,
    MaatregelImposed,
    MeldingReceived,
    OverdrachtApproved,
    OverdrachtRejected,
    OverdrachtRequested,
    TriageCompleted,
)

# Per event type: the fields kept. Lists of children keep only `kind_id`.
BEWAARD: dict[str, tuple[str, ...]] = {
    MeldingReceived.type: (
        "melding_id",
        "gezin_id",
        "gemeente",
        "urgentie",
        "kader",
        "kinderen",
        "herhaald_beroep",
        "ontvangen_op",
    ),
    TriageCompleted.type: (
        "melding_id",
        "gezin_id",
        "gemeente",
        "doelgroep",
        "expertise",
        "regelset_versie",
        "regel",
        "besloten_op",
    ),
    AdviesIssued.type: (
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
    MaatregelImposed.type: (
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
    CasusAssigned.type: (
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
    JeugdbeschermerAssigned.type: ("casus_id", "gemeente", "gi", "kinderen", "toegewezen_op"),
    OverdrachtRequested.type: (
        "overdracht_id",
        "casus_id",
        "gemeente",
        "van_gi",
        "naar_gi",
        "categorie",
        "aangevraagd_op",
    ),
    OverdrachtApproved.type: ("overdracht_id", "casus_id", "gemeente", "gi", "goedgekeurd_op"),
    OverdrachtRejected.type: ("overdracht_id", "casus_id", "gemeente", "gi", "categorie", "afgewezen_op"),
    CasusTransferred.type: (
        "casus_id",
        "overdracht_id",
        "gemeente",
        "van_gi",
        "naar_gi",
        "categorie",
        "kinderen",
        "overgedragen_op",
    ),
    CasusClosed.type: ("casus_id", "gezin_id", "gemeente", "gi", "reden", "kinderen", "gesloten_op"),
    DrangOverdue.type: ("casus_id", "gemeente", "gi", "termijn", "startdatum", "gesignaleerd_op"),
    EscalationRaised.type: ("escalatie_id", "niveau", "gestart_op", "tijdstip"),
    EscalationCleared.type: ("escalatie_id", "hoogste_niveau", "gestart_op", "beeindigd_op"),
}
EVENT_TYPES = tuple(BEWAARD)


def minimaliseer(event_type: str, data: dict) -> dict:
    """The event's data as the reporting service stores it (JSON-ready values expected)."""
    kept = {k: data[k] for k in BEWAARD[event_type] if k in data}
    if "kinderen" in kept:
        kept["kinderen"] = [{"kind_id": str(k["kind_id"])} for k in kept["kinderen"]]
    return kept


def inhoud_sleutel(event_type: str, data: dict) -> str:
    """Content hash: the same fact delivered again under another event id is stored once."""
    canonical = json.dumps([event_type, data], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dossier_van(event_type: str, data: dict) -> str | None:
    """The dossier an event belongs to: the family (gezin), or an escalation. Case events that
    name only the case are placed through the case's family (None here)."""
    if data.get("gezin_id"):
        return str(data["gezin_id"])
    if data.get("escalatie_id"):
        return f"escalatie:{data['escalatie_id']}"
    return None
