"""Use cases of caseregie: open or join the family's case on a measure, the fixed protector,
closure, transfers decided by both GIs, and the drang limits."""
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from contracts.events import MaatregelImposed
from contracts.vocabulary import GI, OverdrachtReden, Sluitreden
from runtime.clock import local_date
from runtime.errors import Forbidden, NotFound
from services.caseregie.domain.model import Casus, CasusKind, Overdracht, wijs_maatregel_toe
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork

# 3 calendar months are never fewer than 89 days: older drang measures are worth a closer look.
DRANG_VOORSELECTIE = timedelta(days=85)


async def on_maatregel_imposed(event: MaatregelImposed, uow: CaseregieUnitOfWork) -> None:
    """One family, one plan: the children join the family's open case, else a new case opens.

    A drang limit the case has already passed (a drang decision recorded late) is flagged at once,
    in the same transaction; limits passed later are found by `check_drang`."""
    async with uow:
        await uow.casussen.lock_gezin(event.gezin_id)
        if not await uow.casussen.has_maatregel(event.maatregel_id):  # a replayed measure changes nothing
            now = uow.clock.now()
            open_casus = await uow.casussen.open_for_gezin(event.gezin_id)
            casus, assigned = wijs_maatregel_toe(open_casus, event, now)
            flags = casus.signaleer_drang(local_date(now), now)
            await uow.casussen.save(casus)
            uow.publish(*([assigned] if assigned is not None else []), *flags)
        await uow.commit()


async def _load(casus_id: UUID, uow: CaseregieUnitOfWork, *, for_update: bool = False) -> Casus:
    casus = await uow.casussen.get(casus_id, for_update=for_update)
    if casus is None:
        raise NotFound(f"casus {casus_id} does not exist")
    return casus


async def _change(casus_id: UUID, uow: CaseregieUnitOfWork, change: Callable[[Casus, datetime], object]):
    """Lock the case, apply a domain change, save it and publish what it returns, in one transaction."""
    async with uow:
        casus = await _load(casus_id, uow, for_update=True)
        result = change(casus, uow.clock.now())
        events = result if isinstance(result, list) else [result] if result is not None else []
        await uow.casussen.save(casus)
        uow.publish(*events)
        await uow.commit()
    return casus


async def get_casus(casus_id: UUID, uow: CaseregieUnitOfWork, *, gi: GI | None = None) -> Casus:
    async with uow:
        casus = await _load(casus_id, uow)
    casus.zichtbaar_voor(gi)
    return casus


async def list_casussen(uow: CaseregieUnitOfWork, **filters) -> tuple[list[Casus], int]:
    async with uow:
        return await uow.casussen.list(**filters)


async def wachtlijst(uow: CaseregieUnitOfWork, **filters) -> tuple[list[tuple[Casus, CasusKind]], int]:
    async with uow:
        return await uow.casussen.wachtlijst(**filters)


async def assign_jeugdbeschermer(casus_id: UUID, gi: GI, jeugdbeschermer_id: str, naam: str,
                                 uow: CaseregieUnitOfWork) -> Casus:
    return await _change(casus_id, uow, lambda c, now: c.wijs_jeugdbeschermer_toe(
        gi, jeugdbeschermer_id, naam, now))


async def close_casus(casus_id: UUID, gi: GI, reden: Sluitreden, toelichting: str | None,
                      uow: CaseregieUnitOfWork) -> Casus:
    return await _change(casus_id, uow, lambda c, now: c.sluit(gi, reden, toelichting, now))


async def request_overdracht(casus_id: UUID, naar_gi: GI, reden: str, categorie: OverdrachtReden,
                             uow: CaseregieUnitOfWork) -> Overdracht:
    casus = await _change(casus_id, uow, lambda c, now: c.vraag_overdracht(naar_gi, reden, categorie, now)[1])
    return casus.overdrachten[-1]


async def get_overdracht(casus_id: UUID, overdracht_id: UUID, uow: CaseregieUnitOfWork, *,
                         gi: GI | None = None) -> Overdracht:
    async with uow:
        overdracht = (await _load(casus_id, uow)).overdracht(overdracht_id)
    if gi is not None and not overdracht.betrokken(gi):
        raise Forbidden(f"transfer {overdracht_id} does not concern {gi}", field="gi")
    return overdracht


async def approve_overdracht(casus_id: UUID, overdracht_id: UUID, gi: GI, manager: str,
                             uow: CaseregieUnitOfWork) -> Overdracht:
    casus = await _change(casus_id, uow, lambda c, now: c.keur_overdracht_goed(
        overdracht_id, gi, manager, now))
    return casus.overdracht(overdracht_id)


async def reject_overdracht(casus_id: UUID, overdracht_id: UUID, gi: GI, manager: str, reden: str,
                            uow: CaseregieUnitOfWork) -> Overdracht:
    casus = await _change(casus_id, uow, lambda c, now: c.wijs_overdracht_af(
        overdracht_id, gi, manager, reden, now))
    return casus.overdracht(overdracht_id)


async def check_drang(uow_factory: Callable[[], CaseregieUnitOfWork]) -> int:
    """Flag open drang cases past their limits; one transaction per case. Returns the flags raised."""
    async with uow_factory() as uow:
        now = uow.clock.now()
        vandaag = local_date(now)
        kandidaten = await uow.casussen.drang_kandidaten(vandaag - DRANG_VOORSELECTIE)
    raised = 0
    for casus_id in kandidaten:
        async with uow_factory() as uow:
            casus = await uow.casussen.get(casus_id, for_update=True)
            events = casus.signaleer_drang(vandaag, now) if casus else []
            if events:
                await uow.casussen.save(casus)
                uow.publish(*events)
                await uow.commit()
                raised += len(events)
    return raised
