"""Periodic jobs of triage (ServiceSpec.background); they only call the service layer."""
from runtime.service import every
from services.triage.service_layer import bewaartermijn


async def wis_na_bewaartermijn(runtime) -> None:
    """Erase the RvdK's free text of advice whose family's file is past the retention term."""
    await bewaartermijn.wis_alle_verlopen(runtime.uow)


BACKGROUND = [every("bewaartermijn_interval_s", wis_na_bewaartermijn)]
