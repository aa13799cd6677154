from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.events import Kind, OverdrachtRequested
from contracts.vocabulary import GI
from runtime.errors import Conflict, InvalidInput
from services.caseregie.domain.model import Casus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def casus(status="open"):
    return Casus(id=uuid4(), melding_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", gi=GI.JBRR,
                 doelgroep="grijs_gebied", kinderen=[Kind(kind_id=uuid4(), leeftijd=7)], status=status,
                 toegewezen_op=NOW)


def test_transfer_to_same_gi_is_invalid():
    with pytest.raises(InvalidInput) as exc:
        casus().vraag_overdracht(GI.JBRR, "expertise", NOW)
    assert exc.value.field == "naar_gi"


@pytest.mark.parametrize("reden", ["", "   "])
def test_transfer_needs_a_reason(reden):
    with pytest.raises(InvalidInput) as exc:
        casus().vraag_overdracht(GI.WSS, reden, NOW)
    assert exc.value.field == "reden"


def test_only_one_pending_transfer():
    c = casus()
    c.vraag_overdracht(GI.WSS, "LVB bij moeder", NOW)
    with pytest.raises(Conflict):
        c.vraag_overdracht(GI.LJR, "andere reden", NOW)
    assert len(c.overdrachten) == 1


def test_closed_case_cannot_be_transferred():
    with pytest.raises(Conflict):
        casus(status="gesloten").vraag_overdracht(GI.WSS, "LVB bij moeder", NOW)


def test_transfer_request_event():
    c = casus()
    overdracht, event = c.vraag_overdracht(GI.WSS, "  LVB bij moeder ", NOW)
    assert c.overdrachten == [overdracht]
    assert overdracht.status == "aangevraagd"
    assert isinstance(event, OverdrachtRequested)
    assert event.overdracht_id == overdracht.id
    assert event.casus_id == c.id
    assert (event.van_gi, event.naar_gi) == (GI.JBRR, GI.WSS)
    assert event.reden == "LVB bij moeder"
    assert event.gemeente == "GM0599"
    assert event.aangevraagd_op == NOW
    assert event.key == str(c.id)
    assert c.gi == GI.JBRR
