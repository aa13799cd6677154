"""The what-if simulation on real PostgreSQL: triage keeps the history from the events it reads (the
reports' decision inputs, the children's courses, the published figures, the escalations), a
simulation over it reproduces what the chain did when nothing changes, a proposal's ruleset changes
the outcome as worked out by hand here, and running one changes no row but its own and publishes
nothing. The history lies in 2025: before every moment the suite is pinned to."""
from datetime import date, datetime
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from contracts.events import (
    CapacitySignal,
    CasusAssigned,
    CasusClosed,
    EscalatieCijfers,
    EscalationRaised,
    JeugdbeschermerAssigned,
    Kind,
    MeldingReceived,
    WachtendKind,
)
from contracts.vocabulary import GI
from deploy.stack import database_url_for
from runtime.clock import REGION_TZ, FixedClock
from runtime.service import service_bus
from runtime.tables import verwerkingen
from services.triage.bootstrap import SPEC as TRIAGE
from services.triage.domain.commands import ListSimulatieIds, ListSimulaties, ProposeRegelset, RunSimulatie
from tests.clock import pinned
from tests.infra import migrated_database
from tests.unit.test_triage_regelsetvoorstellen import manager, voorstel_bron

pytestmark = pytest.mark.integration


def op(dag: int, maand: int = 1, jaar: int = 2025) -> datetime:
    return datetime(jaar, maand, dag, 12, tzinfo=REGION_TZ)


@pytest.fixture
async def sessions(database_server_url, database_prefix):
    url = database_url_for(database_server_url, f"simulatie_{uuid4().hex[:8]}", database_prefix)
    async with migrated_database(url, TRIAGE.migrations) as sessions:
        yield sessions


class Keten:
    """Triage on the database, fed the chain's events at their moments (the clock moved to each)."""

    def __init__(self, sessions):
        self.clock = FixedClock(op(1, 12, 2024))
        settings = TRIAGE.settings_class.for_service("triage", TRIAGE.default_port)
        self.bus = service_bus(TRIAGE, lambda: TRIAGE.uow_class(sessions, "triage", settings=settings,
                                                                clock=self.clock), settings, self.clock)

    async def signaal(self, moment, gi, *, jb=1, norm=1, in_zorg=0, wachtend=0):
        self.clock.set(moment)
        await self.bus.handle(CapacitySignal(
            gi=gi, vrije_plaatsen=jb * norm - in_zorg, plaatsen=jb * norm, kinderen_in_zorg=in_zorg,
            jeugdbeschermers=jb, caseload_norm=norm, wachtend=wachtend, tijdstip=moment))

    async def melding(self, moment, gi, kinderen=1, *, beschermer=True) -> tuple[UUID, list[Kind]]:
        """A report (a parent's psychiatric problem: grey area in 2026.2) and its case at `gi`."""
        self.clock.set(moment)
        melding_id, gezin_id, casus_id = uuid4(), uuid4(), uuid4()
        kids = [Kind(kind_id=uuid4(), leeftijd=9) for _ in range(kinderen)]
        await self.bus.handle(MeldingReceived(
            melding_id=melding_id, gezin_id=gezin_id, gemeente="GM0599", urgentie="regulier", kinderen=kids,
            zorgen=["veiligheid"], kenmerken=["psychiatrie_ouder"], ontvangen_op=moment))
        await self.bus.handle(CasusAssigned(
            casus_id=casus_id, melding_id=melding_id, gezin_id=gezin_id, gemeente="GM0599", gi=gi,
            doelgroep="grijs_gebied", maatregel="OTS", nieuwe_casus=True, kinderen=kids,
            toegewezen_op=moment))
        if beschermer:
            await self.beschermer(moment, casus_id, gi, kids)
        return casus_id, kids

    async def beschermer(self, moment, casus_id, gi, kids):
        await self.bus.handle(JeugdbeschermerAssigned(
            casus_id=casus_id, gemeente="GM0599", gi=gi, jeugdbeschermer_id=uuid4(),
            kinderen=[WachtendKind(kind_id=k.kind_id, wachtdagen=0) for k in kids], toegewezen_op=moment))

    async def sluit(self, moment, casus_id, gi, kids):
        self.clock.set(moment)
        await self.bus.handle(CasusClosed(casus_id=casus_id, gezin_id=uuid4(), gemeente="GM0599", gi=gi,
                                          reden="einde_maatregel", kinderen=kids, gesloten_op=moment))


async def geschiedenis(keten: Keten) -> None:
    """Each GI one place. A to JBRR (all equal: the fixed order) with a protector; B's two children
    to WSS (JBRR is full), waiting: 2 children, 1 place; A closes on 20 January; C to JBRR on
    3 February (JBRR and LJR have a place: the order); an escalation opened on 3 February."""
    for gi in GI:
        await keten.signaal(op(1, 12, 2024), gi)
    a, kids_a = await keten.melding(op(6), GI.JBRR)
    await keten.signaal(op(6), GI.JBRR, in_zorg=1)
    await keten.melding(op(10), GI.WSS, kinderen=2, beschermer=False)
    await keten.signaal(op(10), GI.WSS, in_zorg=2, wachtend=2)
    await keten.sluit(op(20), a, GI.JBRR, kids_a)
    await keten.signaal(op(20), GI.JBRR)
    await keten.melding(op(3, 2), GI.JBRR)
    await keten.signaal(op(3, 2), GI.JBRR, in_zorg=1)
    await keten.bus.handle(EscalationRaised(
        escalatie_id=uuid4(), niveau=1, redenen=["Alle GI's ..."], gestart_op=op(3, 2), tijdstip=op(3, 2),
        cijfers=EscalatieCijfers(vrije_plaatsen_regio=0, gis_op_of_over_norm=[], wachtend=2,
                                 langste_wachtdagen=24)))


async def rijen(sessions) -> dict[str, int]:
    async with sessions() as s:
        tabellen = (await s.execute(sa.text(
            "select table_name from information_schema.tables where table_schema = 'public' "
            "and table_type = 'BASE TABLE'"))).scalars().all()
        return {t: await s.scalar(sa.text(f'select count(*) from "{t}"')) for t in sorted(tabellen)}


def per_gi(simulatie, maand: str, soort: str) -> dict[str, tuple]:
    m = next(m for m in simulatie.maanden if m.maand == maand)
    cijfers = {g.gi.value: getattr(g, soort) for g in m.gis}
    return {gi: (c.toegewezen, c.grijs_gebied, c.vrije_plaatsen, c.wachtend, c.wachtdagen)
            for gi, c in cijfers.items()}


async def test_without_a_change_the_simulation_reproduces_what_the_chain_did(sessions):
    keten = Keten(sessions)
    await geschiedenis(keten)
    keten.clock.set(pinned().now())  # the history is long past
    simulatie = await keten.bus.handle(RunSimulatie(manager(GI.WSS), date(2025, 1, 1), date(2025, 2, 28)))
    # (toegewezen, grijs gebied, vrije plaatsen and wachtend at the month's end, wachtdagen)
    assert per_gi(simulatie, "2025-01", "werkelijk") == {
        "JBRR": (1, 1, 1, 0, 0), "WSS": (2, 2, -1, 2, 2 * 22), "LJR": (0, 0, 1, 0, 0)}
    assert per_gi(simulatie, "2025-02", "werkelijk") == {
        "JBRR": (1, 1, 0, 0, 0), "WSS": (0, 0, -1, 2, 2 * 28), "LJR": (0, 0, 1, 0, 0)}
    for maand in ("2025-01", "2025-02"):
        assert per_gi(simulatie, maand, "gesimuleerd") == per_gi(simulatie, maand, "werkelijk")
    # One escalation in February both ways: the real one on 3 February, the model's when B's children
    # had waited more than 30 days (on 10 February).
    verloop = [(m.escalaties_werkelijk, m.escalaties_gesimuleerd) for m in simulatie.maanden]
    assert verloop == [(0, 0), (1, 1)]
    assert simulatie.meldingen == 3 and simulatie.regelset_versie == "2026.2"


async def test_a_proposals_ruleset_sends_the_grey_area_to_ljr_and_changes_nothing_live(sessions):
    keten = Keten(sessions)
    await geschiedenis(keten)
    keten.clock.set(pinned().now())  # the history is long past
    voorstel = await keten.bus.handle(ProposeRegelset(manager(GI.WSS), voorstel_bron()))
    voor = await rijen(sessions)
    simulatie = await keten.bus.handle(RunSimulatie(manager(GI.LJR), date(2025, 1, 1), date(2025, 2, 28),
                                                    voorstel_id=voorstel.id))
    # All three reports need LJR's new expertise. LJR's one place: A gets it; B's two children wait
    # (also after A closed: 2 > 1); C waits behind them.
    assert per_gi(simulatie, "2025-01", "gesimuleerd") == {
        "JBRR": (0, 0, 1, 0, 0), "WSS": (0, 0, 1, 0, 0), "LJR": (3, 0, 1 - 2, 2, 2 * 22)}
    assert per_gi(simulatie, "2025-02", "gesimuleerd")["LJR"] == (1, 0, 1 - 3, 3, 2 * 28 + 26)
    assert simulatie.regelset_versie == "2026.3"
    # Only the simulation's own row is new, and the log's record of the four children it read: no
    # report, course, figure or outbox row changed.
    na = await rijen(sessions)
    assert na.pop("simulaties") == voor.pop("simulaties") + 1
    assert na.pop("verwerkingen") == voor.pop("verwerkingen") + 4
    assert na == voor and "outbox" in na
    async with sessions() as s:
        log = verwerkingen.c
        gelogd = (await s.execute(sa.select(log.verwerkingsactiviteit, log.resource_id, log.actie)
                                  .where(log.resource_type == "simulatie"))).all()
    assert set(gelogd) == {("triage.simulatie.v1", str(simulatie.id), "read")} and len(gelogd) == 4
    gelinkt, total = await keten.bus.handle(ListSimulaties(voorstel.id, limit=10, offset=0))
    assert total == 1 and gelinkt[0].id == simulatie.id and gelinkt[0].voorstel_id == voorstel.id
    assert await keten.bus.handle(ListSimulatieIds(voorstel.id)) == [simulatie.id]  # the proposal's links

