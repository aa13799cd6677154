"""Caseregie's waiting list on real PostgreSQL (the order is the query's): longest waiting first; while
an open escalation of the region has the plan's measure `wachtenden_op_urgentie_en_wachtdagen` in
force, urgent reports first and then longest waiting; after the escalation's end, as before."""
from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.events import (
    AdviesIssued,
    EscalatieCijfers,
    EscalationCleared,
    EscalationRaised,
    Kind,
    MaatregelImposed,
)
from contracts.vocabulary import GI, EscalatieMaatregel, Maatregel
from deploy.stack import database_url_for
from runtime.clock import FixedClock, local_date
from runtime.identity import GI_ROL, Principal
from runtime.service import service_bus
from services.caseregie.bootstrap import DEPENDENCIES as CASEREGIE_OWN
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.caseregie.domain.commands import ReadWachtlijst
from tests.clock import PINNED_NOW
from tests.infra import migrated_database

pytestmark = pytest.mark.integration
WSS = Principal(sub="systeem@WSS", rol=GI_ROL, organisatie="WSS")
CIJFERS = EscalatieCijfers(vrije_plaatsen_regio=-3, gis_op_of_over_norm=list(GI), wachtend=30,
                           langste_wachtdagen=12)


@pytest.fixture
async def bus(database_server_url, database_prefix):
    url = database_url_for(database_server_url, f"wachtlijst_{uuid4().hex[:8]}", database_prefix)
    clock = FixedClock(PINNED_NOW - timedelta(days=10))
    settings = CASEREGIE.settings_class.for_service("caseregie", CASEREGIE.default_port)
    async with migrated_database(url, CASEREGIE.migrations) as sessions:
        def uow():
            return CASEREGIE.uow_class(sessions, "caseregie", settings=settings, clock=clock)
        bus = service_bus(CASEREGIE, uow, settings, clock, **CASEREGIE_OWN)
        bus.clock = clock  # moved to each case's moment (a child waits from when its case got it)
        yield bus


async def waiting_child(bus, urgentie: str, days_ago: int):
    """A child of a new case at WSS without a protector since `days_ago` days, of a report of this urgency."""
    melding_id, gezin_id, kind = uuid4(), uuid4(), Kind(kind_id=uuid4(), leeftijd=7)
    moment = PINNED_NOW - timedelta(days=days_ago)
    bus.clock.set(moment)
    await bus.handle(AdviesIssued(
        advies_id=uuid4(), melding_id=melding_id, gezin_id=gezin_id, gemeente="GM0599", urgentie=urgentie,
        doelgroep="grijs_gebied", gi=GI.WSS, reden="Grijs gebied.", voorgestelde_gi=GI.WSS, afwijking=False,
        bevestigd_door="rvdk", kinderen=[kind], geadviseerd_op=moment))
    await bus.handle(MaatregelImposed(
        maatregel_id=uuid4(), melding_id=melding_id, advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="grijs_gebied", maatregel=Maatregel.OTS, route="rechtbank", raadsonderzoek=True,
        startdatum=local_date(moment), gi=GI.WSS, kinderen=[kind], opgelegd_op=moment))
    return kind.kind_id


async def order(bus) -> tuple[list, str]:
    items, _, volgorde = await bus.handle(ReadWachtlijst(WSS))
    return [kind.kind_id for _, kind in items], volgorde


async def test_urgent_reports_first_only_while_the_measure_is_in_force(bus):
    oud_regulier = await waiting_child(bus, "regulier", days_ago=9)
    spoed = await waiting_child(bus, "spoed", days_ago=2)
    nieuw_regulier = await waiting_child(bus, "regulier", days_ago=1)
    assert await order(bus) == ([oud_regulier, spoed, nieuw_regulier], "wachtdagen")

    escalatie_id = uuid4()
    await bus.handle(EscalationRaised(
        escalatie_id=escalatie_id, niveau=1, redenen=["Alle GI's zitten op of boven hun norm."],
        cijfers=CIJFERS,
        gestart_op=PINNED_NOW, tijdstip=PINNED_NOW, escalatieplan_versie="2026.1",
        maatregelen=[EscalatieMaatregel.WACHTENDEN_OP_URGENTIE_EN_WACHTDAGEN]))
    assert await order(bus) == ([spoed, oud_regulier, nieuw_regulier], "urgentie_en_wachtdagen")

    await bus.handle(EscalationCleared(escalatie_id=escalatie_id, hoogste_niveau=1, cijfers=CIJFERS,
                                       gestart_op=PINNED_NOW, beeindigd_op=PINNED_NOW + timedelta(hours=5)))
    assert await order(bus) == ([oud_regulier, spoed, nieuw_regulier], "wachtdagen")


async def test_an_escalation_without_the_measure_keeps_the_order_of_waiting(bus):
    oud_regulier = await waiting_child(bus, "regulier", days_ago=5)
    spoed = await waiting_child(bus, "spoed", days_ago=1)
    await bus.handle(EscalationRaised(
        escalatie_id=uuid4(), niveau=1, redenen=["Te veel kinderen wachten."], cijfers=CIJFERS,
        gestart_op=PINNED_NOW, tijdstip=PINNED_NOW, escalatieplan_versie="2026.1", maatregelen=[]))
    assert await order(bus) == ([oud_regulier, spoed], "wachtdagen")
