"""Periodic jobs of intake."""
from runtime.service import every
from services.intake.service_layer import handlers


async def bewaak_aanvultermijnen(runtime) -> None:
    """Flag urgent reports not completed before their deadline (MeldingCompletionOverdue, once)."""
    while await handlers.flag_overdue_completions(runtime.uow()) == handlers.OVERDUE_BATCH:
        pass


BACKGROUND = [every("bewaking_interval_s", bewaak_aanvultermijnen)]
