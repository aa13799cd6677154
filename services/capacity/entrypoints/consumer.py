from contracts.events import CasusAssigned
from contracts.topics import CASUSSEN
from services.capacity.service_layer import handlers

SUBSCRIPTIONS = [CASUSSEN.name]
HANDLERS = {CasusAssigned.type: handlers.on_casus_assigned}
