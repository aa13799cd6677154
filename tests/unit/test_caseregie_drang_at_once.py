"""Issue 8, item 3: a drang limit that is already due when the measure is recorded is flagged at
once, in the measure's transaction; the periodic check runs at an interval README and OpenAPI state."""
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from contracts.events import CasusAssigned, DrangOverdue, Kind, MaatregelImposed
from contracts.vocabulary import GI, Maatregel
from runtime.clock import local_date
from runtime.http import nl_openapi
from runtime.service import build_app
from services.caseregie.bootstrap import SPEC
from services.caseregie.domain.model import DRANG_3_MAANDEN, DRANG_6_MAANDEN, plus_maanden
from services.caseregie.settings import CaseregieSettings
from tests.clock import PINNED_NOW, TODAY, pinned
from tests.unit import test_caseregie_handlers
from tests.unit.test_caseregie_handlers import bus

README = Path(__file__).resolve().parents[2] / "README.md"


class FakeUnitOfWork(test_caseregie_handlers.FakeUnitOfWork):
    """One transaction = one commit; what is published goes out only with it (`transactions`)."""

    def __init__(self, clock=None):
        super().__init__(clock or pinned())


def drang(start: date, *, raadsonderzoek=False, gezin_id=None, gi=GI.LJR, soort=Maatregel.DRANG):
    return MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id or uuid4(),
        gemeente="GM0606", doelgroep="grijs_gebied", maatregel=soort,
        route="jb_plein" if soort == Maatregel.DRANG else "rechtbank", raadsonderzoek=raadsonderzoek,
        startdatum=start, gi=gi, kinderen=[Kind(kind_id=uuid4(), leeftijd=11)], opgelegd_op=PINNED_NOW)


async def test_a_drang_decision_eight_months_old_is_flagged_in_the_transaction_that_opens_the_case():
    uow = FakeUnitOfWork()
    await bus(uow).handle(drang(plus_maanden(TODAY, -8)))

    (transaction,) = uow.transactions
    assert [type(e) for e in transaction] == [CasusAssigned, DrangOverdue, DrangOverdue]
    (casus,) = uow.casussen.cases.values()
    assert {e.termijn for e in transaction[1:]} == {DRANG_3_MAANDEN, DRANG_6_MAANDEN}
    assert all(e.casus_id == casus.id and e.gesignaleerd_op == PINNED_NOW for e in transaction[1:])
    assert {s.termijn for s in casus.drang_signalen} == {DRANG_3_MAANDEN, DRANG_6_MAANDEN}


async def test_only_the_limits_already_passed_are_flagged_and_a_replay_flags_nothing_again():
    uow = FakeUnitOfWork()
    m = drang(plus_maanden(TODAY, -4), raadsonderzoek=False)
    await bus(uow).handle(m)
    assert [getattr(e, "termijn", None) for e in uow.transactions[0]] == [None, DRANG_3_MAANDEN]
    await bus(uow).handle(m)
    assert uow.transactions[1] == []


async def test_a_drang_decision_not_yet_due_or_with_an_investigation_is_not_flagged_on_recording():
    uow = FakeUnitOfWork()
    await bus(uow).handle(drang(TODAY - timedelta(days=30)))
    await bus(uow).handle(drang(plus_maanden(TODAY, -4), raadsonderzoek=True))
    await bus(uow).handle(drang(plus_maanden(TODAY, -8), soort=Maatregel.OTS))
    assert [[type(e) for e in t] for t in uow.transactions] == [[CasusAssigned]] * 3


async def test_the_limit_is_measured_on_the_regions_calendar_day():
    # 22:30 UTC on the evening before the third month passes is already that day in Amsterdam.
    clock = pinned(moment=datetime(2026, 4, 14, 22, 30, tzinfo=UTC))
    assert local_date(clock.now()) == date(2026, 4, 15)
    start = date(2026, 1, 15)
    uow = FakeUnitOfWork(clock)
    await bus(uow).handle(drang(start))
    assert [getattr(e, "termijn", None) for e in uow.transactions[0]] == [None, DRANG_3_MAANDEN]


async def test_a_sibling_joining_under_an_old_drang_decision_flags_the_familys_case():
    uow, gezin = FakeUnitOfWork(), uuid4()
    await bus(uow).handle(drang(TODAY, soort=Maatregel.OTS, gezin_id=gezin, gi=GI.WSS))
    await bus(uow).handle(drang(plus_maanden(TODAY, -7), gezin_id=gezin))
    joined = uow.transactions[1]
    assert [type(e) for e in joined] == [CasusAssigned, DrangOverdue, DrangOverdue]
    assert joined[0].nieuwe_casus is False and all(e.gi == GI.WSS for e in joined)


def test_the_periodic_drang_check_interval_is_stated_in_readme_and_openapi():
    interval = CaseregieSettings.model_fields["drang_check_interval_s"].default
    assert interval == 3600
    schema = nl_openapi(build_app(SPEC), "1.0.0")["components"]["schemas"]["CasusOut"]
    described = schema["properties"]["drang_signalen"]["description"]
    assert "3600 seconds" in described and "CASEREGIE_DRANG_CHECK_INTERVAL_S" in described
    assert "at once" in described
    row = next(line for line in README.read_text().splitlines() if "nl.jbketen.drang.overdue.v1" in line)
    assert re.search(r"every hour \(`CASEREGIE_DRANG_CHECK_INTERVAL_S`, default 3600 s", row), row
    assert "at once" in row
