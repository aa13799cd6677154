"""The retention term in intake: a daily job erases the personal data of reports whose family's file
closed more than the term ago (Jeugdwet art. 7.3.8: 20 years), and the family's BSN keys, so the
family is no longer found by them. Intake learns closures from `casus.closed` events. Each erasure
is a record in the processing log; the pseudonymous facts stay."""
from collections.abc import Callable

from runtime.processing_log import ERASE, betrokkenen
from runtime.retention import bewaargrens, in_batches
from services.intake.adapters.verwerkingsactiviteiten import PERSOONSGEGEVENS_WISSEN
from services.intake.domain.bewaartermijn import wis_persoonsgegevens
from services.intake.domain.commands import EraseExpired
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork

BATCH = 100


async def wis_verlopen_meldingen(uow: IntakeUnitOfWork) -> int:
    """One batch, one transaction: erase the reports past the term, log each erasure. Returns how
    many reports were erased."""
    now = uow.clock.now()
    grens = bewaargrens(now, uow.settings.bewaartermijn_jaren)
    async with uow:
        verlopen = await uow.meldingen.past_retention(grens, BATCH)
        for melding in verlopen:
            wis_persoonsgegevens(melding, now)
            await uow.meldingen.save(melding)
            subjects = betrokkenen(melding.gezin_id, [k.kind_id for k in melding.gezin.kinderen])
            uow.log_processing(activity=PERSOONSGEGEVENS_WISSEN, action=ERASE,
                               resource=("melding", melding.id), subjects=subjects)
        await uow.gezinnen.forget_keys({m.gezin_id for m in verlopen})
        await uow.commit()
    return len(verlopen)


async def wis_alle_verlopen(cmd: EraseExpired, uow_factory: Callable[[], IntakeUnitOfWork]) -> int:
    """Batches until none is left. Returns how many reports were erased."""
    return await in_batches(wis_verlopen_meldingen, uow_factory, BATCH)
