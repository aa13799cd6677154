"""capacity's domain values in the wire contract (contracts.events) and back: the one place they
are translated. Outgoing: its domain events, by the unit of work as it publishes them (and the
live stream as it sends a signal). Incoming: the case events it consumes, by the handlers before
they reach the domain."""
from collections.abc import Iterable
from dataclasses import asdict

from contracts import Event
from contracts import events as contract
from contracts.vocabulary import GI
from runtime.wire import Translation
from services.capacity.domain import events
from services.capacity.domain.model import Bezetting, Casusgebeurtenis

CONTRACTS: dict[type, type[Event]] = {
    events.CapacitySignal: contract.CapacitySignal,
    events.EscalationRaised: contract.EscalationRaised,
    events.EscalationCleared: contract.EscalationCleared,
    events.EscalatieBevestigd: contract.EscalatieBevestigd,
    events.EscalatieWeekcijfer: contract.EscalatieWeekcijfer,
}
to_contract = Translation(CONTRACTS)  # what the unit of work publishes


def escalatiecijfers(cijfers: events.EscalatieCijfers) -> contract.EscalatieCijfers:
    """The region's figures of an escalation as the contract (and the API) shows them."""
    return contract.EscalatieCijfers.model_validate(asdict(cijfers))


def actualiteit(a: contract.Actualiteit) -> events.Actualiteit:
    """How current the figures are (the runtime's block) as the domain's value."""
    return events.Actualiteit(bijgewerkt_tot=a.bijgewerkt_tot, achterstand=a.achterstand,
                              bijgewerkt=a.bijgewerkt)


def casusgebeurtenis(event: Event) -> Casusgebeurtenis:
    """A consumed case event as the domain reads it."""
    if isinstance(event, contract.CasusAssigned):
        return Casusgebeurtenis("toegewezen", event.casus_id, _kinderen(event), event.gi, event.toegewezen_op,
                                event.doelgroep)
    if isinstance(event, contract.JeugdbeschermerAssigned):
        return Casusgebeurtenis("beschermer", event.casus_id, _kinderen(event), event.gi, event.toegewezen_op)
    if isinstance(event, contract.CasusTransferred):
        return Casusgebeurtenis("overgedragen", event.casus_id, _kinderen(event), event.naar_gi,
                                event.overgedragen_op)
    if isinstance(event, contract.CasusClosed):
        return Casusgebeurtenis("gesloten", event.casus_id, _kinderen(event), event.gi, event.gesloten_op)
    raise ValueError(f"not a case event: {type(event).__name__}")


def _kinderen(event: Event) -> tuple:
    return tuple(k.kind_id for k in event.kinderen)


def logboek(entries: Iterable[tuple[GI, Bezetting] | Event]) -> list[tuple[GI, Bezetting] | Casusgebeurtenis]:
    """The log as the domain folds it: staffing reports as they are, case events as it reads them."""
    return [e if isinstance(e, tuple) else casusgebeurtenis(e) for e in entries]
