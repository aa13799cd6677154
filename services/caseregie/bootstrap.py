"""Composition root of the caseregie service: what it contributes to the runtime, the handler maps
its message bus dispatches by, and its own dependencies (the webhook targets' resolver and client)."""
from pathlib import Path

from runtime.ports import DEFAULT_PORTS
from runtime.service import ServiceSpec, every
from services.caseregie.adapters.webhook_client import WebhookClient, system_resolve
from services.caseregie.domain.commands import DeliverWebhooks
from services.caseregie.entrypoints import api, jobs, policy
from services.caseregie.service_layer import handlers
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings

# Its own dependencies, beside the runtime's: how webhook targets are resolved, and their client.
DEPENDENCIES = {"resolve": system_resolve, "webhook_client": WebhookClient}

SPEC = ServiceSpec(
    name="caseregie",
    title="jbketen caseregie",
    description="Cases at the GIs (one family, one plan), opened on the measure; the fixed youth "
                "protector and the waiting list; transfers approved by both GIs; closure; drang limits. "
                "GI case systems integrate here, and receive their case events through signed webhooks.",
    default_port=DEFAULT_PORTS["caseregie"],
    migrations=Path(__file__).parent / "migrations",
    uow_class=CaseregieUnitOfWork,
    policy=policy.POLICY,
    routers=[api.router, api.webhooks_router],
    settings_class=CaseregieSettings,
    commands=handlers.COMMAND_HANDLERS,
    events=handlers.EVENT_HANDLERS,
    dependencies=lambda runtime: DEPENDENCIES,
    background=[
        every("drang_check_interval_s", jobs.check_drang),
        every("webhook_poll_interval_s", jobs.deliver_webhooks, woken_by=DeliverWebhooks),
        every("bewaartermijn_interval_s", jobs.wis_na_bewaartermijn),
    ],
)
