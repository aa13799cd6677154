"""The retention term in caseregie: a daily job erases the personal data of cases closed more than
the term ago (Jeugdwet art. 7.3.8: 20 years) — the free text of transfers, rejections and closure,
the names of protectors and managers — each erasure a record in the processing log. Codes, dates
and pseudonymous ids stay, so the figures do: a child's out-of-home placements and youth care hold
nothing else (kind, network, dates, the pseudonymous child) and stay whole."""
from collections.abc import Callable

from runtime.processing_log import betrokkenen
from runtime.retention import erase_batch, in_batches
from services.caseregie.adapters.verwerkingsactiviteiten import PERSOONSGEGEVENS_WISSEN
from services.caseregie.domain.commands import EraseExpired
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork

BATCH = 100


async def wis_verlopen_casussen(uow: CaseregieUnitOfWork) -> int:
    """One batch, one transaction. Returns how many cases were erased."""
    return await erase_batch(uow, "casussen", jaren=uow.settings.bewaartermijn_jaren,
                             activity=PERSOONSGEGEVENS_WISSEN, resource="casus", batch=BATCH,
                             subjects=lambda c: betrokkenen(c.gezin_id, [k.kind_id for k in c.kinderen]))


async def wis_alle_verlopen(cmd: EraseExpired, uow_factory: Callable[[], CaseregieUnitOfWork]) -> int:
    """Batches until none is left. Returns how many cases were erased."""
    return await in_batches(wis_verlopen_casussen, uow_factory, BATCH)
