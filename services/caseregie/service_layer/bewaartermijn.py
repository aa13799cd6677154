"""The retention term in caseregie: a daily job erases the personal data of cases closed more than
the term ago (Jeugdwet art. 7.3.8: 20 years) — the free text of transfers, rejections and closure,
the names of protectors and managers — each erasure a record in the processing log. Codes, dates
and pseudonymous ids stay, so the figures do: a child's out-of-home placements and youth care hold
nothing else (kind, network, dates, the pseudonymous child) and stay whole."""
from collections.abc import Callable

from runtime.processing_log import ERASE, betrokkenen
from runtime.retention import bewaargrens, in_batches
from services.caseregie.adapters.verwerkingsactiviteiten import PERSOONSGEGEVENS_WISSEN
from services.caseregie.domain.commands import EraseExpired
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork

BATCH = 100


async def wis_verlopen_casussen(uow: CaseregieUnitOfWork) -> int:
    """One batch, one transaction. Returns how many cases were erased."""
    now = uow.clock.now()
    grens = bewaargrens(now, uow.settings.bewaartermijn_jaren)
    async with uow:
        verlopen = await uow.casussen.past_retention(grens, BATCH)
        for casus in verlopen:
            await uow.casussen.erase(casus.id, now)
            uow.log_processing(activity=PERSOONSGEGEVENS_WISSEN,
                               subjects=betrokkenen(casus.gezin_id, [k.kind_id for k in casus.kinderen]),
                               resource=("casus", casus.id), action=ERASE)
        await uow.commit()
    return len(verlopen)


async def wis_alle_verlopen(cmd: EraseExpired, uow_factory: Callable[[], CaseregieUnitOfWork]) -> int:
    """Batches until none is left. Returns how many cases were erased."""
    return await in_batches(wis_verlopen_casussen, uow_factory, BATCH)
