"""Periodic jobs of intake: commands handed to the bus on a timer."""
from runtime.service import every
from services.intake.domain.commands import EraseExpired, FlagOverdueCompletions
from services.intake.service_layer.handlers import OVERDUE_BATCH


async def bewaak_aanvultermijnen(runtime) -> None:
    """Flag urgent reports not completed before their deadline (MeldingCompletionOverdue, once)."""
    while await runtime.bus.handle(FlagOverdueCompletions()) == OVERDUE_BATCH:
        pass


async def wis_na_bewaartermijn(runtime) -> None:
    """Erase the personal data of reports whose family's file is past the retention term."""
    await runtime.bus.handle(EraseExpired())


BACKGROUND = [every("bewaking_interval_s", bewaak_aanvultermijnen),
              every("bewaartermijn_interval_s", wis_na_bewaartermijn)]
