from contracts.topics import ADVIEZEN, CASUSSEN, ESCALATIES, MELDINGEN, TRIAGE
from services.reporting.domain.minimalisatie import EVENT_TYPES
from services.reporting.service_layer import handlers

SUBSCRIPTIONS = [MELDINGEN.name, TRIAGE.name, ADVIEZEN.name, CASUSSEN.name, ESCALATIES.name]
# Every event the KPIs are made from goes through the same projection.
HANDLERS = {event_type: handlers.on_event for event_type in EVENT_TYPES}
