from contracts.events import CapacitySignal, MeldingReceived
from contracts.topics import CAPACITY_SIGNALS, MELDINGEN
from services.triage.service_layer import handlers

SUBSCRIPTIONS = [MELDINGEN.name, CAPACITY_SIGNALS.name]
HANDLERS = {
    MeldingReceived.type: handlers.on_melding_received,
    CapacitySignal.type: handlers.on_capacity_signal,
}
