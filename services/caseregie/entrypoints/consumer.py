from contracts.events import MaatregelImposed
from contracts.topics import ADVIEZEN, CASUSSEN
from services.caseregie.domain.webhooks import WEBHOOK_EVENTS
from services.caseregie.service_layer import handlers, webhooks

# Cases open on the measure (no longer on the advice). caseregie also reads its own topic to fan
# every case event out to the webhooks of the GIs it concerns.
SUBSCRIPTIONS = [ADVIEZEN.name, CASUSSEN.name]
HANDLERS = {
    MaatregelImposed.type: handlers.on_maatregel_imposed,
    **{event.type: webhooks.on_casus_event for event in WEBHOOK_EVENTS},
}
