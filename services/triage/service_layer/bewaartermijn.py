"""The retention term in triage: triage learns each family's closures from `casus.closed`, and a
daily job erases the RvdK's free text (an override's reason, a confirmation's note) of advice whose
family's file closed more than the term ago (Jeugdwet art. 7.3.8: 20 years), each erasure a record
in the processing log. Categories, codes and dates stay, so the figures do.

A consultation & advice request is no file of a measure: its pseudonymous family id is erased
`consultatie_bewaartermijn_jaren` (2) years after the request's last activity (asked, or hours
recorded), in the regional calendar (the day after the anniversary); category, municipality, GI,
reason and hours stay for the year's figures and the routing.

The names of the managers who proposed and decided on a ruleset version are erased
`regelset_namen_bewaartermijn_jaren` (7) years after the proposal closed."""
from collections.abc import Callable

from contracts.events import CasusClosed
from runtime.processing_log import Betrokkene, betrokkenen
from runtime.retention import bewaargrens, erase_batch, in_batches
from services.triage.adapters.verwerkingsactiviteiten import CONSULTATIE_GEZIN_WISSEN, PERSOONSGEGEVENS_WISSEN
from services.triage.domain.commands import EraseExpired
from services.triage.service_layer.unit_of_work import TriageUnitOfWork

BATCH = 100


async def on_casus_closed(event: CasusClosed, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.triage.gezin_gesloten(event.gezin_id, event.gesloten_op)
        # The children's courses end too (what the what-if simulation replays).
        await uow.simulatie.casus_gesloten(event.casus_id, [k.kind_id for k in event.kinderen],
                                           event.gesloten_op)
        await uow.commit()


async def wis_verlopen_adviezen(uow: TriageUnitOfWork) -> int:
    """One batch, one transaction. Returns how many advices were erased."""
    return await erase_batch(uow, "triage", jaren=uow.settings.bewaartermijn_jaren,
                             activity=PERSOONSGEGEVENS_WISSEN, resource="advies", batch=BATCH,
                             subjects=lambda a: betrokkenen(a.gezin_id, [k.kind_id for k in a.kinderen]))


async def wis_verlopen_consultaties(uow: TriageUnitOfWork) -> int:
    """One batch, one transaction: the family ids of requests past their term. Returns how many."""
    return await erase_batch(uow, "consultaties", jaren=uow.settings.consultatie_bewaartermijn_jaren,
                             activity=CONSULTATIE_GEZIN_WISSEN, resource="consultatie", batch=BATCH,
                             subjects=lambda c: [Betrokkene(gezin_id=c.gezin_id)])


async def wis_regelset_namen(uow: TriageUnitOfWork) -> int:
    """The managers' names kept with ruleset proposals closed more than the term ago (staff, no
    children: not in the processing log). Returns how many proposals."""
    async with uow:
        gewist = await uow.regelsets.wis_namen(
            bewaargrens(uow.clock.now(), uow.settings.regelset_namen_bewaartermijn_jaren))
        await uow.commit()
    return gewist


async def wis_alle_verlopen(cmd: EraseExpired, uow_factory: Callable[[], TriageUnitOfWork]) -> int:
    """Batches until none is left. Returns how many advices and consultation requests were erased
    (and erases the managers' names of old ruleset proposals)."""
    await wis_regelset_namen(uow_factory())
    return (await in_batches(wis_verlopen_adviezen, uow_factory, BATCH)
            + await in_batches(wis_verlopen_consultaties, uow_factory, BATCH))
