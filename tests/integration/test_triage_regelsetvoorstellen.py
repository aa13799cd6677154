"""Proposed ruleset versions on real PostgreSQL: stored and read back whole, the next decision made
by the version the third approval activated (and not before, also by a second instance of triage on
the same database), and decisions on the rules serialised across instances: two proposals that both
get their third approval at once never both take effect, one GI never decides twice."""
import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from contracts.events import Kind, MeldingReceived
from contracts.vocabulary import GI
from deploy.stack import database_url_for
from runtime.errors import Conflict
from runtime.service import service_bus
from services.triage.adapters.orm import regelset_besluiten, regelset_voorstellen, triages
from services.triage.adapters.repository import RegelsetRepository
from services.triage.bootstrap import SPEC as TRIAGE
from services.triage.domain.commands import (
    ApproveRegelset,
    EraseExpired,
    ListRegelsetVersies,
    ProposeRegelset,
    ReadRegelsetvoorstel,
    RejectRegelset,
)
from services.triage.domain.regelsetvoorstel import VoorstelStatus
from tests.clock import PINNED_NOW, pinned
from tests.infra import migrated_database
from tests.unit.test_triage_regelsetvoorstellen import manager, voorstel_bron

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(database_server_url, database_prefix):
    """A fresh triage database per test: which version is active is the database's."""
    url = database_url_for(database_server_url, f"regelset_{uuid4().hex[:8]}", database_prefix)
    async with migrated_database(url, TRIAGE.migrations) as sessions:
        yield sessions


def triage(sessions, clock):
    """One instance of triage on the database (a replica: its own bus, the shared tables)."""
    settings = TRIAGE.settings_class.for_service("triage", TRIAGE.default_port)
    return service_bus(TRIAGE, lambda: TRIAGE.uow_class(sessions, "triage", settings=settings, clock=clock),
                       settings, clock)


async def decide(bus, sessions) -> str:
    melding_id = uuid4()
    await bus.handle(MeldingReceived(
        melding_id=melding_id, gezin_id=uuid4(), gemeente="GM0599", urgentie="regulier",
        kinderen=[Kind(kind_id=uuid4(), leeftijd=8)], zorgen=["veiligheid"], kenmerken=["psychiatrie_ouder"],
        ontvangen_op=PINNED_NOW))
    async with sessions() as s:
        row = (await s.execute(sa.select(triages).where(triages.c.melding_id == melding_id))).one()
    return f"{row.regelset_versie}:{row.doelgroep}"


async def test_the_third_approval_changes_the_next_decision_on_every_instance(sessions):
    clock = pinned()
    hier, daar = triage(sessions, clock), triage(sessions, clock)
    assert await decide(daar, sessions) == "2026.2:grijs_gebied"
    voorstel = await hier.handle(ProposeRegelset(manager(GI.WSS, "M. Peters"), voorstel_bron()))
    for gi in (GI.WSS, GI.LJR):
        clock.set(clock.now() + timedelta(minutes=1))
        await hier.handle(ApproveRegelset(manager(gi), voorstel.id))
    assert await decide(daar, sessions) == "2026.2:grijs_gebied"
    clock.set(clock.now() + timedelta(minutes=1))
    await hier.handle(ApproveRegelset(manager(GI.JBRR), voorstel.id))
    assert await decide(daar, sessions) == "2026.3:psychiatrie_ouder"

    terug = await daar.handle(ReadRegelsetvoorstel(voorstel.id))
    assert (terug.status, terug.geactiveerd_op, terug.volgnummer, terug.goedgekeurd_door) == (
        VoorstelStatus.GEACTIVEERD, clock.now(), 1, [GI.WSS, GI.LJR, GI.JBRR])
    assert (terug.verschil, terug.bron, terug.indiener_naam) == (
        voorstel.verschil, voorstel_bron(), "M. Peters")
    versies, actief = await daar.handle(ListRegelsetVersies())
    assert actief == "2026.3" and [v.regelset.versie for v in versies] == ["2026.1", "2026.2", "2026.3"]


async def test_a_decision_on_the_rules_waits_while_another_instance_makes_one(sessions):
    clock = pinned()
    voorstel = await triage(sessions, clock).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    for beslissing in (ProposeRegelset(manager(GI.LJR), voorstel_bron("2026.4")),
                       ApproveRegelset(manager(GI.WSS), voorstel.id)):
        async with sessions() as ander:
            await RegelsetRepository(ander).vergrendel()  # another instance, mid-decision
            taak = asyncio.create_task(triage(sessions, clock).handle(beslissing))
            await asyncio.sleep(0.5)
            assert not taak.done()
            await ander.commit()
        await asyncio.wait_for(taak, 5)


async def test_two_proposals_completed_at_once_never_both_take_effect(sessions):
    clock = pinned()
    bus = triage(sessions, clock)
    eerste = await bus.handle(ProposeRegelset(manager(GI.WSS), voorstel_bron("2026.3")))
    tweede = await bus.handle(ProposeRegelset(manager(GI.LJR), voorstel_bron("2026.4")))
    for voorstel in (eerste, tweede):
        for gi in (GI.WSS, GI.LJR):
            await bus.handle(ApproveRegelset(manager(gi), voorstel.id))

    uitkomsten = await asyncio.gather(  # the last GI approves both at once, on two instances
        triage(sessions, clock).handle(ApproveRegelset(manager(GI.JBRR), eerste.id)),
        triage(sessions, clock).handle(ApproveRegelset(manager(GI.JBRR), tweede.id)),
        return_exceptions=True)

    geactiveerd = [u for u in uitkomsten if not isinstance(u, Exception)]
    geweigerd = [u for u in uitkomsten if isinstance(u, Conflict)]
    assert len(geactiveerd) == 1 and len(geweigerd) == 1, uitkomsten
    ander = tweede if geactiveerd[0].id == eerste.id else eerste
    assert (await bus.handle(ReadRegelsetvoorstel(ander.id))).status == VoorstelStatus.VERVALLEN
    assert (await bus.handle(ListRegelsetVersies()))[1] == geactiveerd[0].versie


async def test_one_gi_approving_twice_at_once_is_recorded_once(sessions):
    clock = pinned()
    voorstel = await triage(sessions, clock).handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    dubbel = [triage(sessions, clock).handle(ApproveRegelset(manager(GI.WSS), voorstel.id)) for _ in range(2)]
    uitkomsten = await asyncio.gather(*dubbel, return_exceptions=True)
    assert sorted(type(u).__name__ for u in uitkomsten) == ["Conflict", "Regelsetvoorstel"]
    async with sessions() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(regelset_besluiten)) == 1


async def test_the_managers_names_of_a_closed_proposal_are_erased_after_their_term(sessions):
    clock = pinned()
    bus = triage(sessions, clock)
    voorstel = await bus.handle(ProposeRegelset(manager(GI.WSS, "M. Peters"), voorstel_bron()))
    await bus.handle(ApproveRegelset(manager(GI.WSS, "M. Peters"), voorstel.id))
    await bus.handle(RejectRegelset(manager(GI.LJR, "L. Bakker"), voorstel.id, "doelgroep", "Niet zo"))
    open_ = await bus.handle(ProposeRegelset(manager(GI.JBRR, "A. Jansen"), voorstel_bron("2026.4")))

    async def namen():
        async with sessions() as s:
            v = dict((await s.execute(sa.select(regelset_voorstellen.c.versie,
                                                regelset_voorstellen.c.indiener_naam))).all())
            b = sorted((await s.execute(sa.select(regelset_besluiten.c.manager,
                                                  regelset_besluiten.c.manager_naam))).all())
        return v, b

    clock.set(PINNED_NOW + timedelta(days=365 * 7 + 3))  # past the 7th anniversary
    await bus.handle(EraseExpired())
    voorstellen, besluiten = await namen()
    assert voorstellen == {"2026.3": None, "2026.4": "A. Jansen"} and open_.versie == "2026.4"
    assert besluiten == [("manager@LJR", None), ("manager@WSS", None)]
