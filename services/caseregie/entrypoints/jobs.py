"""Periodic jobs of caseregie (ServiceSpec.background); they only call the service layer."""
from runtime.service import Runtime
from services.caseregie.adapters.webhook_client import WebhookClient
from services.caseregie.service_layer import bewaartermijn, handlers, webhooks


async def check_drang(runtime: Runtime) -> None:
    await handlers.check_drang(runtime.uow)


async def wis_na_bewaartermijn(runtime: Runtime) -> None:
    """Erase the personal data of cases closed more than the retention term ago."""
    await bewaartermijn.wis_alle_verlopen(runtime.uow)


async def deliver_webhooks(runtime: Runtime) -> None:
    settings = runtime.settings
    async with WebhookClient(settings.webhook_timeout_s) as client:
        # A full batch means more may be due: carry on without waiting for the next poll.
        while await webhooks.deliver(runtime.uow(), client.post, batch_size=settings.webhook_batch_size,
                                     retry_base_s=settings.webhook_retry_base_s,
                                     retry_max_s=settings.webhook_retry_max_s) == settings.webhook_batch_size:
            pass
