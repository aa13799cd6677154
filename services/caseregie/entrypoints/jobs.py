"""Periodic jobs of caseregie: commands handed to the bus on a timer."""
from runtime.service import Runtime
from services.caseregie.domain.commands import CheckDrang, DeliverWebhooks, EraseExpired


async def check_drang(runtime: Runtime) -> None:
    await runtime.bus.handle(CheckDrang())


async def wis_na_bewaartermijn(runtime: Runtime) -> None:
    """Erase the personal data of cases closed more than the retention term ago."""
    await runtime.bus.handle(EraseExpired())


async def deliver_webhooks(runtime: Runtime) -> None:
    await runtime.bus.handle(DeliverWebhooks())
