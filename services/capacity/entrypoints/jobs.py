"""Periodic jobs of capacity."""
import logging

from runtime.service import every
from services.capacity.service_layer import handlers

log = logging.getLogger(__name__)


async def wachtdagen_en_herstel(runtime) -> None:
    """Rebuild from the log when the live state is gone (the first run is at start-up), then
    recompute the waiting days, which grow with time alone."""
    if await handlers.rebuild_if_lost(runtime.uow()):
        log.warning("capacity: live state was missing; rebuilt from the log")
    await handlers.update_waiting_days(runtime.uow())


BACKGROUND = [every("wachtdagen_interval_s", wachtdagen_en_herstel)]
