"""Periodic jobs of capacity: commands handed to the bus on a timer."""
import logging

from runtime.service import every
from services.capacity.domain.commands import (
    CheckBevestigingen,
    DeliverKennisgevingen,
    RebuildIfLost,
    SendWeekcijfer,
    UpdateWaitingDays,
)

log = logging.getLogger(__name__)


async def wachtdagen_en_herstel(runtime) -> None:
    """Rebuild from the log when the live state is gone (the first run is at start-up), then
    recompute the waiting days, which grow with time alone."""
    if await runtime.bus.handle(RebuildIfLost()):
        log.warning("capacity: live state was missing; rebuilt from the log")
    await runtime.bus.handle(UpdateWaitingDays())


async def ophogen_zonder_bevestiging(runtime) -> None:
    """The escalation plan: an escalation not acknowledged in time goes up a level."""
    if await runtime.bus.handle(CheckBevestigingen()):
        log.warning("capacity: an escalation was not acknowledged in time and went up a level")


async def weekcijfer_grjr(runtime) -> None:
    await runtime.bus.handle(SendWeekcijfer())


async def verstuur_kennisgevingen(runtime) -> None:
    await runtime.bus.handle(DeliverKennisgevingen())


BACKGROUND = [
    every("wachtdagen_interval_s", wachtdagen_en_herstel),
    every("ophogen_interval_s", ophogen_zonder_bevestiging),
    every("weekcijfer_interval_s", weekcijfer_grjr),
    every("kennisgeving_interval_s", verstuur_kennisgevingen, woken_by=DeliverKennisgevingen),
]
