from contracts.events import CasusAssigned, CasusClosed, CasusTransferred, JeugdbeschermerAssigned
from contracts.topics import CASUSSEN
from services.capacity.service_layer import handlers

SUBSCRIPTIONS = [CASUSSEN.name]
HANDLERS = {
    CasusAssigned.type: handlers.on_casus_assigned,
    JeugdbeschermerAssigned.type: handlers.on_jeugdbeschermer_assigned,
    CasusTransferred.type: handlers.on_casus_transferred,
    CasusClosed.type: handlers.on_casus_closed,
}
