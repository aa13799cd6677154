from contracts.events import AdviesIssued, CasusAssigned, MeldingReceived
from contracts.topics import ADVIEZEN, CASUSSEN, MELDINGEN
from services.reporting.service_layer import handlers

SUBSCRIPTIONS = [MELDINGEN.name, ADVIEZEN.name, CASUSSEN.name]
HANDLERS = {
    MeldingReceived.type: handlers.on_melding_received,
    AdviesIssued.type: handlers.on_advies_issued,
    CasusAssigned.type: handlers.on_casus_assigned,
}
