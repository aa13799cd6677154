"""What happened, as reporting's domain names it: the types of the events it keeps (the chain's
CloudEvents types, as they are stored in its history) and a `Feit`, an event as reporting keeps
it. Reporting publishes no events of its own; adapters/wire.py reads each event of the wire
contract into a Feit (domain/minimalisatie.py says what of it is kept)."""
from typing import NamedTuple

MELDING = "nl.jbketen.melding.received.v1"
TRIAGE = "nl.jbketen.triage.completed.v1"
ADVIES = "nl.jbketen.advies.issued.v1"
MAATREGEL = "nl.jbketen.maatregel.imposed.v1"
TOEWIJZING = "nl.jbketen.casus.assigned.v1"
JEUGDBESCHERMER = "nl.jbketen.jeugdbeschermer.assigned.v1"
OVERDRACHT_AANGEVRAAGD = "nl.jbketen.overdracht.requested.v1"
OVERDRACHT_GOEDGEKEURD = "nl.jbketen.overdracht.approved.v1"
OVERDRACHT_AFGEWEZEN = "nl.jbketen.overdracht.rejected.v1"
OVERGEDRAGEN = "nl.jbketen.casus.transferred.v1"
GESLOTEN = "nl.jbketen.casus.closed.v1"
DRANG = "nl.jbketen.drang.overdue.v1"
ESCALATIE = "nl.jbketen.escalatie.raised.v1"
ESCALATIE_VOORBIJ = "nl.jbketen.escalatie.cleared.v1"
ESCALATIE_BEVESTIGD = "nl.jbketen.escalatie.bevestigd.v1"
UITHUISPLAATSING = "nl.jbketen.uithuisplaatsing.started.v1"
UITHUISPLAATSING_EINDE = "nl.jbketen.uithuisplaatsing.ended.v1"
JEUGDHULP = "nl.jbketen.jeugdhulp.started.v1"
CONSULTATIE = "nl.jbketen.consultatie.requested.v1"
CONSULTATIE_UREN = "nl.jbketen.consultatie.uren-recorded.v1"


class Feit(NamedTuple):
    """An event as reporting keeps it: its type and its minimised data (JSON-ready)."""

    event_type: str
    data: dict
