"""Use cases of caseregie: open or join the family's case on a measure, the fixed protector,
closure, transfers decided by both GIs, and the drang limits."""
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from contracts.events import MaatregelImposed
from contracts.vocabulary import GI, OverdrachtReden, Sluitreden
from runtime.clock import local_date
from runtime.errors import Forbidden, NotFound
from runtime.identity import GI_MANAGER, Principal
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
        raise NotFound(f"casus {casus_id} not found")
    return casus


def _eigen(casus: Casus, principal: Principal) -> None:
    casus.zichtbaar_voor(principal.gi)


def _gi(principal: Principal) -> GI:
    """The GI the caller works for: everything caseregie shows is scoped to it."""
    if principal.gi is None:
        raise Forbidden(f"role {principal.rol} works for no GI; only a GI's systems use caseregie")
    return GI(principal.gi)


async def _change(casus_id: UUID, uow: CaseregieUnitOfWork, principal: Principal,
                  change: Callable[[Casus, datetime], object],
                  toegang: Callable[[Casus, Principal], object] = _eigen):
    """Lock the case, check the caller may act on it (`toegang`: by default only the case's own GI),
    apply a domain change, save it and publish what it returns, in one transaction."""
    async with uow:
        casus = await _load(casus_id, uow, for_update=True)
        toegang(casus, principal)
        result = change(casus, uow.clock.now())
        events = result if isinstance(result, list) else [result] if result is not None else []
        await uow.casussen.save(casus)
        uow.publish(*events)
        await uow.commit()
    return casus


async def get_casus(casus_id: UUID, uow: CaseregieUnitOfWork, principal: Principal) -> Casus:
    """The case, for its own GI only; to anyone else it does not exist (404)."""
    async with uow:
        casus = await _load(casus_id, uow)
    _eigen(casus, principal)
    return casus


async def list_casussen(uow: CaseregieUnitOfWork, principal: Principal, **filters
                        ) -> tuple[list[Casus], int]:
    """The caller's GI's cases only: the filter is applied in the query, never afterwards."""
    async with uow:
        return await uow.casussen.list(gi=_gi(principal), **filters)


async def wachtlijst(uow: CaseregieUnitOfWork, principal: Principal, **filters
                     ) -> tuple[list[tuple[Casus, CasusKind]], int]:
    """The caller's GI's waiting children only (filtered in the query)."""
    async with uow:
        return await uow.casussen.wachtlijst(gi=_gi(principal), **filters)


async def assign_jeugdbeschermer(casus_id: UUID, principal: Principal, jeugdbeschermer_id: str, naam: str,
                                 uow: CaseregieUnitOfWork) -> Casus:
    return await _change(casus_id, uow, principal, lambda c, now: c.wijs_jeugdbeschermer_toe(
        _gi(principal), jeugdbeschermer_id, naam, now))


async def close_casus(casus_id: UUID, principal: Principal, reden: Sluitreden, toelichting: str | None,
                      uow: CaseregieUnitOfWork) -> Casus:
    return await _change(casus_id, uow, principal,
                         lambda c, now: c.sluit(_gi(principal), reden, toelichting, now))


async def request_overdracht(casus_id: UUID, principal: Principal, naar_gi: GI, reden: str,
                             categorie: OverdrachtReden, uow: CaseregieUnitOfWork) -> Overdracht:
    """Only the case's own GI asks to hand it over."""
    casus = await _change(casus_id, uow, principal,
                          lambda c, now: c.vraag_overdracht(naar_gi, reden, categorie, now)[1])
    return casus.overdrachten[-1]


async def get_overdracht(casus_id: UUID, overdracht_id: UUID, uow: CaseregieUnitOfWork,
                         principal: Principal) -> tuple[Overdracht, Casus]:
    """The transfer for its sending and receiving GI (and the case's current GI), with the case
    it is about: the route shows the receiving GI only the summary it needs to decide."""
    async with uow:
        casus = await _load(casus_id, uow)
    return casus.overdracht_voor(overdracht_id, principal.gi), casus


def _beslisser(principal: Principal) -> tuple[GI, str, str | None]:
    """Who decides on a transfer: a manager of a GI, named by the token only (sub and naam)."""
    if not principal.is_a(GI_MANAGER):
        raise Forbidden(f"only a GI's manager decides on a transfer, not role {principal.rol}")
    return _gi(principal), principal.sub, principal.naam


def _partij(overdracht_id: UUID) -> Callable[[Casus, Principal], object]:
    return lambda casus, principal: casus.overdracht_voor(overdracht_id, principal.gi)


async def approve_overdracht(casus_id: UUID, overdracht_id: UUID, principal: Principal,
                             uow: CaseregieUnitOfWork) -> Overdracht:
    """The caller's GI approves, recorded with the caller's token subject; the case moves once
    both GIs' managers have approved."""
    gi, manager, naam = _beslisser(principal)
    casus = await _change(casus_id, uow, principal, lambda c, now: c.keur_overdracht_goed(
        overdracht_id, gi, manager, now, naam), toegang=_partij(overdracht_id))
    return casus.overdracht(overdracht_id)


async def reject_overdracht(casus_id: UUID, overdracht_id: UUID, principal: Principal, reden: str,
                            uow: CaseregieUnitOfWork) -> Overdracht:
    gi, manager, naam = _beslisser(principal)
    casus = await _change(casus_id, uow, principal, lambda c, now: c.wijs_overdracht_af(
        overdracht_id, gi, manager, reden, now, naam), toegang=_partij(overdracht_id))
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
