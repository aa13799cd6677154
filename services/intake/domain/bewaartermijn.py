"""What of a report stays once its family's file is past the retention term. Pure: no I/O.

Erased: the children's and parents' names, BSNs and birth dates, the reporter's name and contact
details, the free text of the report, and free text the path got from events recorded before
events carried categories. Kept: the pseudonymous facts the chain's figures are made of — the
children's pseudonymous ids and their age when reported, municipality, urgency, concerns and
characteristics, the path with its dates and codes, and who (which organisation) reported.
"""
from datetime import date, datetime

from runtime.clock import local_date
from services.intake.domain.gegevens import Gezin, Kind, Melder
from services.intake.domain.model import Melding, age_on

# Free text typed by people that older events brought into a step's details.
OUDE_VRIJE_TEKST = {"advised": ("afwijking_reden",), "transferred": ("reden",)}


def _kind_zonder_persoonsgegevens(kind: Kind, ontvangen: date) -> Kind:
    leeftijd = age_on(kind.geboortedatum, ontvangen) if kind.geboortedatum else None
    return Kind(kind_id=kind.kind_id, leeftijd=leeftijd)


def wis_persoonsgegevens(melding: Melding, now: datetime) -> None:
    """Erase the report's personal data (once; `gewist_op` says when)."""
    if melding.gewist_op is not None:
        return
    ontvangen = local_date(melding.ontvangen_op)
    melding.gezin = Gezin(kinderen=tuple(_kind_zonder_persoonsgegevens(k, ontvangen)
                                         for k in melding.gezin.kinderen))
    melding.melder = Melder(organisatie=melding.melder.organisatie)
    melding.toelichting = None
    for stap in melding.stappen:
        for veld in OUDE_VRIJE_TEKST.get(stap.stap, ()):
            stap.details.pop(veld, None)
    melding.gewist_op = now
