"""The service layer over an in-memory unit of work: measures open or join the family's case once."""
from datetime import UTC, date, datetime
from uuid import uuid4

from contracts.events import CasusAssigned, Kind, MaatregelImposed
from contracts.vocabulary import GI, Maatregel
from services.caseregie.domain.model import OPEN
from services.caseregie.service_layer import handlers

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeCasusRepository:
    def __init__(self):
        self.cases, self.locked = {}, []

    async def lock_gezin(self, gezin_id):
        self.locked.append(gezin_id)

    async def has_maatregel(self, maatregel_id):
        return any(m.maatregel_id == maatregel_id for c in self.cases.values() for m in c.maatregelen)

    async def open_for_gezin(self, gezin_id):
        return next((c for c in self.cases.values() if c.gezin_id == gezin_id and c.status == OPEN), None)

    async def save(self, casus):
        self.cases[casus.id] = casus


class FakeUnitOfWork:
    def __init__(self):
        self.casussen = FakeCasusRepository()
        self.published, self.commits = [], 0

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None

    def publish(self, *events):
        self.published.extend(events)

    async def commit(self):
        self.commits += 1


def maatregel(gezin_id, gi, kinderen) -> MaatregelImposed:
    return MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="lvb", maatregel=Maatregel.OTS, route="rechtbank", raadsonderzoek=True,
        startdatum=date(2026, 2, 27), gi=gi, kinderen=kinderen, opgelegd_op=NOW)


async def test_measures_of_one_family_end_up_in_one_case_and_a_replay_changes_nothing():
    uow, gezin = FakeUnitOfWork(), uuid4()
    first = maatregel(gezin, GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)])
    await handlers.on_maatregel_imposed(first, uow)
    second = maatregel(gezin, GI.JBRR, [Kind(kind_id=uuid4(), leeftijd=2)])
    await handlers.on_maatregel_imposed(second, uow)

    (casus,) = uow.casussen.cases.values()
    assert casus.gi == GI.WSS and len(casus.kinderen) == 2
    assert [type(e) for e in uow.published] == [CasusAssigned, CasusAssigned]
    assert [e.nieuwe_casus for e in uow.published] == [True, False]
    assert all(e.casus_id == casus.id and e.gi == GI.WSS for e in uow.published)
    assert uow.casussen.locked == [gezin, gezin]

    await handlers.on_maatregel_imposed(second, uow)  # the same measure again
    assert len(uow.published) == 2 and len(casus.kinderen) == 2 and len(uow.casussen.cases) == 1
    assert uow.commits == 3  # committed, so the event id is recorded as handled


async def test_another_family_gets_its_own_case():
    uow = FakeUnitOfWork()
    await handlers.on_maatregel_imposed(maatregel(uuid4(), GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)]), uow)
    await handlers.on_maatregel_imposed(maatregel(uuid4(), GI.WSS, [Kind(kind_id=uuid4(), leeftijd=6)]), uow)
    assert len(uow.casussen.cases) == 2 and [e.nieuwe_casus for e in uow.published] == [True, True]
