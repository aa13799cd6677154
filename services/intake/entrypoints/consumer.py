from contracts.events import (
    AdviesIssued,
    CasusAssigned,
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    JeugdbeschermerAssigned,
    MaatregelImposed,
    TriageCompleted,
)
from contracts.topics import ADVIEZEN, CASUSSEN, TRIAGE
from services.intake.service_layer import handlers

SUBSCRIPTIONS = [TRIAGE.name, ADVIEZEN.name, CASUSSEN.name]
HANDLERS = {
    TriageCompleted.type: handlers.on_triage_completed,
    AdviesIssued.type: handlers.on_advies_issued,
    MaatregelImposed.type: handlers.on_maatregel_imposed,
    CasusAssigned.type: handlers.on_casus_assigned,
    JeugdbeschermerAssigned.type: handlers.on_jeugdbeschermer_assigned,
    CasusTransferred.type: handlers.on_casus_transferred,
    CasusClosed.type: handlers.on_casus_closed,
    DrangOverdue.type: handlers.on_drang_overdue,
}
