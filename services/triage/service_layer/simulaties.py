"""The what-if simulation (issue 16 §2). Triage keeps, from the events it reads, what it needs to
replay a period (each report's decision inputs: handlers.on_melding_received; each child's course
from caseregie: here and bewaartermijn.on_casus_closed; each GI's published figure from capacity;
when the region's escalations opened: handlers.on_escalation_raised), and runs the candidate in isolation:
the history is read in a transaction that is rolled back, the replay is pure domain code
(domain/simulatie.py) with no unit of work and no outbox, and the one thing written is the
simulation's own row (and the processing log's record of the children whose courses it read)."""
from collections import defaultdict
from uuid import UUID, uuid4

from contracts.escalatiedrempels import Drempels
from contracts.events import (
    CapacitySignal,
    CasusAssigned,
    JeugdbeschermerAssigned,
)
from runtime.clock import Clock
from runtime.errors import InvalidInput, NotFound
from runtime.processing_log import READ, Betrokkene, betrokkenen
from services.triage.adapters.verwerkingsactiviteiten import SIMULEREN
from services.triage.domain.commands import ListSimulatieIds, ListSimulaties, ReadSimulatie, RunSimulatie
from services.triage.domain.model import Regelset
from services.triage.domain.regelsetvoorstel import lees_voorstel
from services.triage.domain.simulatie import (
    Bezetting,
    Geschiedenis,
    Scenario,
    Simulatie,
    periode_van,
    simuleer,
    vergelijk,
)
from services.triage.service_layer.regelsetvoorstellen import actieve_regelset
from services.triage.service_layer.unit_of_work import TriageUnitOfWork

# --- the history, as the events come in ---------------------------------------------------------


async def on_casus_assigned(event: CasusAssigned, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.simulatie.casus_toegewezen(event.casus_id, event.melding_id, event.gezin_id, event.gi,
                                             [k.kind_id for k in event.kinderen], event.toegewezen_op)
        await uow.commit()


async def on_jeugdbeschermer_assigned(event: JeugdbeschermerAssigned, uow: TriageUnitOfWork) -> None:
    async with uow:
        await uow.simulatie.beschermer_toegewezen(event.casus_id, [k.kind_id for k in event.kinderen],
                                                  event.toegewezen_op)
        await uow.commit()


async def leg_stand_vast(event: CapacitySignal, uow: TriageUnitOfWork) -> None:
    """In the caller's transaction (handlers.on_capacity_signal): the GI's published figure."""
    await uow.simulatie.leg_stand_vast(
        event.gi, event.tijdstip, Bezetting(event.jeugdbeschermers, event.afwezig, event.caseload_norm),
        event.vrije_plaatsen, event.wachtend)


# --- the simulations --------------------------------------------------------------------------


async def _kandidaat(cmd: RunSimulatie, uow: TriageUnitOfWork) -> Regelset:
    """The ruleset to replay: given whole, a proposal's, or (neither) the active one."""
    if cmd.regelset is not None and cmd.voorstel_id is not None:
        raise InvalidInput("give either a ruleset or a proposal's id, not both", field="voorstel_id")
    if cmd.voorstel_id is not None:
        bron = await uow.regelsets.bron(cmd.voorstel_id)
        if bron is None:
            raise InvalidInput(f"proposal {cmd.voorstel_id} does not exist", field="voorstel_id")
        return lees_voorstel(bron)
    if cmd.regelset is not None:
        try:
            return lees_voorstel(cmd.regelset)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail.replace("proposed ruleset", "candidate ruleset"),
                               field=f"regelset.{exc.field}" if exc.field else "regelset") from None
    return (await actieve_regelset(uow)).regelset


async def run_simulatie(cmd: RunSimulatie, uow: TriageUnitOfWork, clock: Clock) -> Simulatie:
    nu = clock.now()
    periode = periode_van(cmd.van, cmd.tot, clock.today())
    async with uow:  # read only: left without a commit, so rolled back
        regelset = await _kandidaat(cmd, uow)
        geschiedenis = await uow.simulatie.geschiedenis(periode)
    scenario = Scenario(regelset, dict(cmd.bezetting), cmd.drempels or Drempels())
    uitkomst = simuleer(geschiedenis, scenario)
    simulatie = Simulatie(
        id=uuid4(), periode=periode, regelset_versie=regelset.versie, voorstel_id=cmd.voorstel_id,
        bezetting=scenario.bezetting, drempels=scenario.drempels, meldingen=uitkomst.meldingen,
        maanden=vergelijk(geschiedenis, uitkomst), aangevraagd_door=cmd.caller.organisatie, aangemaakt_op=nu)
    async with uow:
        await uow.simulatie.add(simulatie)
        if betrokken := _betrokkenen(geschiedenis):  # a period without any child read: nothing to log
            uow.log_processing(activity=SIMULEREN, action=READ, actor=cmd.caller, subjects=betrokken,
                               resource=("simulatie", simulatie.id))
        await uow.commit()
    return simulatie


def _betrokkenen(geschiedenis: Geschiedenis) -> list[Betrokkene]:
    """Every child whose course the simulation replayed, once."""
    per_gezin: dict = defaultdict(set)
    for v in geschiedenis.verlopen:
        per_gezin[v.gezin_id].add(v.kind_id)
    return [b for gezin_id, kinderen in per_gezin.items() for b in betrokkenen(gezin_id, sorted(kinderen))]


async def read_simulatie(cmd: ReadSimulatie, uow: TriageUnitOfWork) -> Simulatie:
    async with uow:
        simulatie = await uow.simulatie.get(cmd.simulatie_id)
    if simulatie is None:
        raise NotFound(f"simulation {cmd.simulatie_id} does not exist")
    return simulatie


async def simulatie_ids(cmd: ListSimulatieIds, uow: TriageUnitOfWork) -> list[UUID]:
    async with uow:
        return await uow.simulatie.ids_voor_voorstel(cmd.voorstel_id)


async def list_simulaties(cmd: ListSimulaties, uow: TriageUnitOfWork) -> tuple[list[Simulatie], int]:
    async with uow:
        return await uow.simulatie.lijst(voorstel_id=cmd.voorstel_id, limit=cmd.limit, offset=cmd.offset)
