from contracts.events import AdviesIssued
from contracts.topics import ADVIEZEN
from services.caseregie.service_layer import handlers

SUBSCRIPTIONS = [ADVIEZEN.name]
HANDLERS = {AdviesIssued.type: handlers.on_advies_issued}
