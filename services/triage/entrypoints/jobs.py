"""Periodic jobs of triage: commands handed to the bus on a timer."""
from runtime.service import every
from services.triage.domain.commands import EraseExpired


async def wis_na_bewaartermijn(runtime) -> None:
    """Erase the RvdK's free text of advice whose family's file is past the retention term, and the
    family's id of consultation requests past theirs."""
    await runtime.bus.handle(EraseExpired())


BACKGROUND = [every("bewaartermijn_interval_s", wis_na_bewaartermijn)]
