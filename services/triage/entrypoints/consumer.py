from contracts.events import CapacitySignal, CasusClosed, MeldingReceived
from contracts.topics import CAPACITY_SIGNALS, CASUSSEN, MELDINGEN
from services.triage.service_layer import bewaartermijn, handlers

SUBSCRIPTIONS = [MELDINGEN.name, CAPACITY_SIGNALS.name, CASUSSEN.name]
HANDLERS = {
    MeldingReceived.type: handlers.on_melding_received,
    CapacitySignal.type: handlers.on_capacity_signal,
    CasusClosed.type: bewaartermijn.on_casus_closed,  # closures start the retention term
}
