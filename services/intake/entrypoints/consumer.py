from contracts.events import AdviesIssued, CasusAssigned, TriageCompleted
from contracts.topics import ADVIEZEN, CASUSSEN, TRIAGE
from services.intake.service_layer import handlers

SUBSCRIPTIONS = [TRIAGE.name, ADVIEZEN.name, CASUSSEN.name]
HANDLERS = {
    TriageCompleted.type: handlers.on_triage_completed,
    AdviesIssued.type: handlers.on_advies_issued,
    CasusAssigned.type: handlers.on_casus_assigned,
}
