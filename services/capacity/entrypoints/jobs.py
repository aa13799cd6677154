"""Periodic jobs of capacity: commands handed to the bus on a timer."""
import logging

from runtime.service import every
from services.capacity.domain.commands import RebuildIfLost, UpdateWaitingDays

log = logging.getLogger(__name__)


async def wachtdagen_en_herstel(runtime) -> None:
    """Rebuild from the log when the live state is gone (the first run is at start-up), then
    recompute the waiting days, which grow with time alone."""
    if await runtime.bus.handle(RebuildIfLost()):
        log.warning("capacity: live state was missing; rebuilt from the log")
    await runtime.bus.handle(UpdateWaitingDays())


BACKGROUND = [every("wachtdagen_interval_s", wachtdagen_en_herstel)]
