"""Periodic jobs of intake."""
from runtime.service import every
from services.intake.service_layer import bewaartermijn, handlers


async def bewaak_aanvultermijnen(runtime) -> None:
    """Flag urgent reports not completed before their deadline (MeldingCompletionOverdue, once)."""
    while await handlers.flag_overdue_completions(runtime.uow()) == handlers.OVERDUE_BATCH:
        pass


async def wis_na_bewaartermijn(runtime) -> None:
    """Erase the personal data of reports whose family's file is past the retention term."""
    await bewaartermijn.wis_alle_verlopen(runtime.uow)


BACKGROUND = [every("bewaking_interval_s", bewaak_aanvultermijnen),
              every("bewaartermijn_interval_s", wis_na_bewaartermijn)]
