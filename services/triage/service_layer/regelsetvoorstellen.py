"""Which version of the target-group rules decides, and how a new one comes about: a GI's manager
proposes it, the managers of all three GIs approve it (one rejection ends it), and from the third
approval on it decides every new report. The RvdK learns it from `regelset.activated`.

The active version is read from the database for every decision: another replica may have
activated one a moment ago, and a decision must never use the old rules after the commit that
activated the new ones. Only which proposal is active is read (one index probe); its rules are
parsed once per process, as an activated version never changes."""
from uuid import UUID

from contracts.vocabulary import GI
from runtime.clock import Clock
from runtime.errors import Conflict, Forbidden, NotFound
from runtime.identity import GI_MANAGER, Principal
from services.triage.adapters import regelsets
from services.triage.domain.commands import (
    ApproveRegelset,
    ListRegelsetVersies,
    ListRegelsetvoorstellen,
    ProposeRegelset,
    ReadRegelset,
    ReadRegelsetvoorstel,
    RejectRegelset,
)
from services.triage.domain.model import versie_sleutel
from services.triage.domain.regelsetvoorstel import Regelsetvoorstel, VoorstelStatus
from services.triage.service_layer.unit_of_work import TriageUnitOfWork


async def actieve_regelset(uow: TriageUnitOfWork) -> regelsets.Versie:
    """The rules that decide now: the newest activated proposal, unless a shipped file has a higher
    version (a later release's baseline); on the same version the GIs' proposal. In the caller's
    transaction."""
    bestand = regelsets.nieuwste_bestand()
    laatst = await uow.regelsets.laatst_geactiveerd()
    if laatst is None or versie_sleutel(bestand.regelset.versie) > versie_sleutel(laatst.versie):
        return bestand
    return regelsets.geactiveerd_voorstel(laatst.voorstel_id) or regelsets.lees_voorstel(
        laatst.voorstel_id, await uow.regelsets.bron(laatst.voorstel_id), laatst.geactiveerd_op)


async def _alle_versies(uow: TriageUnitOfWork) -> list[regelsets.Versie]:
    """The shipped files and the activated proposals, oldest version first."""
    per_versie = dict(regelsets.versies())
    for geactiveerd, bron in await uow.regelsets.geactiveerde():
        per_versie[geactiveerd.versie] = regelsets.lees_voorstel(geactiveerd.voorstel_id, bron,
                                                                 geactiveerd.geactiveerd_op)
    return sorted(per_versie.values(), key=lambda v: versie_sleutel(v.regelset.versie))


async def read_regelset(cmd: ReadRegelset, uow: TriageUnitOfWork) -> regelsets.Versie:
    async with uow:
        if cmd.versie is None:
            return await actieve_regelset(uow)
        gevonden = next((v for v in await _alle_versies(uow) if v.regelset.versie == cmd.versie), None)
    if gevonden is None:
        raise NotFound(f"ruleset version {cmd.versie} does not exist; see /v1/doelgroepenbepaling/versies")
    return gevonden


async def list_versies(cmd: ListRegelsetVersies, uow: TriageUnitOfWork) -> tuple[list[regelsets.Versie], str]:
    """Every version, and the one active now."""
    async with uow:
        return await _alle_versies(uow), (await actieve_regelset(uow)).regelset.versie


def _manager(principal: Principal) -> GI:
    """Who decides on the rules: a GI's manager, for the token's GI (named by the token only)."""
    if not principal.is_a(GI_MANAGER):
        raise Forbidden(f"only a GI's manager proposes or decides on the rules, not role {principal.rol}")
    try:
        return GI(principal.gi)
    except ValueError:
        raise Forbidden(f"organisation {principal.organisatie} is not a GI") from None


async def propose_regelset(cmd: ProposeRegelset, uow: TriageUnitOfWork, clock: Clock) -> Regelsetvoorstel:
    gi = _manager(cmd.caller)
    async with uow:
        await uow.regelsets.vergrendel()
        actief = await actieve_regelset(uow)
        bekend = set(regelsets.versies()) | await uow.regelsets.versies()
        voorstel, event = Regelsetvoorstel.dien_in(cmd.regelset, actief.regelset, bekend, gi, cmd.caller.sub,
                                                   cmd.caller.naam, clock.now())
        await uow.regelsets.add(voorstel)
        uow.publish(event)
        await uow.commit()
    return voorstel


async def _open_voorstel(uow: TriageUnitOfWork, voorstel_id: UUID, clock: Clock) -> Regelsetvoorstel:
    """The proposal, locked with every decision on the rules; one made against another version than
    the active one ends here (committed) and is refused."""
    await uow.regelsets.vergrendel()
    voorstel = await uow.regelsets.get(voorstel_id, for_update=True)
    if voorstel is None:
        raise NotFound(f"proposal {voorstel_id} does not exist")
    actief = (await actieve_regelset(uow)).regelset.versie
    if voorstel.achterhaald(actief, clock.now()):
        await uow.regelsets.save(voorstel)
        await uow.commit()
        raise Conflict(f"proposal {voorstel_id} changes version {voorstel.basis_versie}, but {actief} is "
                       f"active now: it ended (vervallen); propose it again against {actief}")
    return voorstel


async def approve_regelset(cmd: ApproveRegelset, uow: TriageUnitOfWork, clock: Clock) -> Regelsetvoorstel:
    """The caller's GI approves; the third GI's approval activates the version at that moment."""
    gi = _manager(cmd.caller)
    async with uow:
        voorstel = await _open_voorstel(uow, cmd.voorstel_id, clock)
        andere = [v for v in await uow.regelsets.open_voorstellen() if v.id != voorstel.id]
        events = voorstel.keur_goed(gi, cmd.caller.sub, cmd.caller.naam, clock.now(),
                                    await uow.regelsets.volgend_volgnummer(), andere)
        for v in [voorstel, *(a for a in andere if a.status == VoorstelStatus.VERVALLEN)]:
            await uow.regelsets.save(v)
        uow.publish(*events)
        await uow.commit()
    return voorstel


async def reject_regelset(cmd: RejectRegelset, uow: TriageUnitOfWork, clock: Clock) -> Regelsetvoorstel:
    """The caller's GI rejects: the proposal ends; its own words stay here."""
    gi = _manager(cmd.caller)
    async with uow:
        voorstel = await _open_voorstel(uow, cmd.voorstel_id, clock)
        uow.publish(voorstel.wijs_af(gi, cmd.caller.sub, cmd.caller.naam, cmd.categorie, cmd.toelichting,
                                     clock.now()))
        await uow.regelsets.save(voorstel)
        await uow.commit()
    return voorstel


async def read_voorstel(cmd: ReadRegelsetvoorstel, uow: TriageUnitOfWork) -> Regelsetvoorstel:
    async with uow:
        voorstel = await uow.regelsets.get(cmd.voorstel_id)
    if voorstel is None:
        raise NotFound(f"proposal {cmd.voorstel_id} does not exist")
    return voorstel


async def list_voorstellen(cmd: ListRegelsetvoorstellen,
                           uow: TriageUnitOfWork) -> tuple[list[Regelsetvoorstel], int]:
    async with uow:
        return await uow.regelsets.lijst(status=cmd.status, limit=cmd.limit, offset=cmd.offset)
