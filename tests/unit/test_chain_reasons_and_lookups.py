"""Issue 8, item 4: every decision's reason is in its event, a transfer decision names both GIs,
the RvdK goes from a report to its advice, the README's webhook check really verifies, and the
reasons users read are Dutch."""
import base64
import importlib
import re
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import (
    AdviesIssued,
    CasusAssigned,
    Kind,
    MaatregelImposed,
    OverdrachtApproved,
    OverdrachtRejected,
)
from contracts.vocabulary import GI, Maatregel, OverdrachtReden, Urgentie
from services.caseregie.adapters import wire as caseregie_wire
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.model import een_gezin_een_plan, wijs_maatregel_toe
from services.intake.domain.model import Melding
from services.intake.entrypoints.api import _out as melding_view
from services.intake.service_layer import handlers as intake
from services.triage.adapters.repository import TriageRepository
from services.triage.bootstrap import SPEC as TRIAGE
from tests import identity
from tests.clock import PINNED_NOW
from tests.fakes import bootstrap_test_app
from tests.unit.test_intake_model import REPORT, gegevens
from tests.unit.test_triage_service import FakeUnitOfWork as FakeTriageUnitOfWork

README = Path(__file__).resolve().parents[2] / "README.md"
DUTCH_REASON = "Eén gezin, één plan: het gezin heeft al een open casus bij JBRR; de maatregel noemde WSS."


def measure(gezin_id, gi: GI, soort=Maatregel.OTS):
    return caseregie_wire.maatregel(MaatregelImposed(
        maatregel_id=uuid4(), melding_id=uuid4(), advies_id=uuid4(), gezin_id=gezin_id, gemeente="GM0599",
        doelgroep="lvb", maatregel=soort, route="rechtbank", raadsonderzoek=True,
        startdatum=date(2026, 2, 27), gi=gi, kinderen=[Kind(kind_id=uuid4(), leeftijd=5)],
        opgelegd_op=PINNED_NOW))


# --- the reason a sibling joins at another GI: in the event, in Dutch ----------------------------

def test_a_sibling_joining_at_another_gi_carries_the_dutch_reason_in_casus_assigned():
    gezin = uuid4()
    casus, first = wijs_maatregel_toe(None, measure(gezin, GI.JBRR), PINNED_NOW)
    _, joined = wijs_maatregel_toe(casus, measure(gezin, GI.WSS), PINNED_NOW)
    assert first.gi_reden is None
    assert (joined.gi, joined.nieuwe_casus, joined.gi_reden) == (GI.JBRR, False, DUTCH_REASON)
    assert casus.maatregelen[1].gi_reden == DUTCH_REASON  # what the REST view shows
    published = caseregie_wire.to_contract(joined).model_dump_json()
    assert CasusAssigned.model_validate_json(published).gi_reden == DUTCH_REASON


def test_an_older_casus_assigned_without_a_reason_still_reads():
    old = {"casus_id": str(uuid4()), "melding_id": str(uuid4()), "gezin_id": str(uuid4()),
           "gemeente": "GM0599", "gi": "WSS", "doelgroep": "lvb", "maatregel": "OTS", "nieuwe_casus": True,
           "kinderen": [], "toegewezen_op": PINNED_NOW.isoformat()}
    assert CasusAssigned.model_validate(old).gi_reden is None


def test_intake_shows_the_reason_on_the_assigned_step():
    melding = Melding.receive(gegevens(REPORT), b"key", PINNED_NOW)
    melding.assigned(PINNED_NOW, gi="JBRR", casus_id=uuid4(), nieuwe_casus=False, gi_reden=DUTCH_REASON)
    assert melding.stappen[-1].details["gi_reden"] == DUTCH_REASON


# --- a transfer decision names both GIs ---------------------------------------------------------

def _transfer():
    casus, _ = wijs_maatregel_toe(None, measure(uuid4(), GI.JBRR), PINNED_NOW)
    overdracht, _ = casus.vraag_overdracht(GI.WSS, "Gezin verhuist", OverdrachtReden.VERHUIZING, PINNED_NOW)
    return casus, overdracht


def test_approved_and_rejected_name_van_gi_and_naar_gi():
    casus, overdracht = _transfer()
    (approved,) = casus.keur_overdracht_goed(overdracht.id, GI.WSS, "M. Peters", PINNED_NOW)
    rejected = casus.wijs_overdracht_af(overdracht.id, GI.JBRR, "S. Amrani", "Geen reden tot overdracht",
                                        PINNED_NOW)
    for event in (approved, rejected):
        assert (event.van_gi, event.naar_gi) == (GI.JBRR, GI.WSS)
        assert wh.ontvangers(event) == {GI.JBRR, GI.WSS}  # no second look-up needed
    assert (approved.gi, rejected.gi) == (GI.WSS, GI.JBRR)


def test_decisions_recorded_before_the_fields_existed_still_read():
    old = {"overdracht_id": str(uuid4()), "casus_id": str(uuid4()), "gemeente": "GM0599", "gi": "WSS",
           "manager": "m"}
    approved = OverdrachtApproved.model_validate({**old, "goedgekeurd_op": PINNED_NOW.isoformat()})
    rejected = OverdrachtRejected.model_validate({**old, "reden": "x",
                                                  "afgewezen_op": PINNED_NOW.isoformat()})
    assert (approved.van_gi, approved.naar_gi, rejected.van_gi, rejected.naar_gi) == (None,) * 4


# --- from a report to its advice ----------------------------------------------------------------

class FakeMeldingen:
    def __init__(self, melding):
        self.melding = melding

    async def get(self, melding_id, *, for_update=False):
        return self.melding if melding_id == self.melding.id else None

    async def save(self, melding):
        self.melding = melding


class FakeIntakeUnitOfWork:
    def __init__(self, melding):
        self.meldingen = FakeMeldingen(melding)
        self.verwerkingen: list = []

    def log_processing(self, **record):
        self.verwerkingen.append(record)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None

    async def commit(self):
        pass


async def test_the_reports_status_names_its_advice():
    melding = Melding.receive(gegevens(REPORT), b"key", PINNED_NOW)
    assert melding_view(melding).advies_id is None
    advies = AdviesIssued(
        advies_id=uuid4(), melding_id=melding.id, gezin_id=melding.gezin_id, gemeente="GM0599",
        urgentie=Urgentie.REGULIER, doelgroep="lvb", gi=GI.WSS, reden="Doelgroep lvb …",
        voorgestelde_gi=GI.WSS, afwijking=False, bevestigd_door="rvdk",
        kinderen=[Kind(kind_id=uuid4(), leeftijd=9)], geadviseerd_op=PINNED_NOW)
    uow = FakeIntakeUnitOfWork(melding)
    await intake.on_advies_issued(advies, uow)
    view = melding_view(uow.meldingen.melding)
    assert view.advies_id == advies.advies_id and view.status == "advised"
    assert view.stappen[-1].details["advies_id"] == str(advies.advies_id)


class FakeAdviezen(TriageRepository):
    def __init__(self):
        super().__init__(None)
        self.filters = []

    async def adviezen(self, **filters):
        self.filters.append(filters)
        return [], 0


@pytest.fixture
def triage_api():
    uow = FakeTriageUnitOfWork(FakeAdviezen())
    return TestClient(bootstrap_test_app(TRIAGE, uow), headers=identity.rvdk()), uow


@pytest.mark.parametrize("name", ["meldingId", "melding_id"])
def test_advice_can_be_filtered_by_report(triage_api, name):
    client, uow = triage_api
    melding_id = uuid4()
    r = client.get("/v1/adviezen", params={name: str(melding_id)})
    assert r.status_code == 200, r.text
    assert uow.triage.filters[-1]["melding_id"] == melding_id


def test_the_report_filter_is_documented_in_camel_case_and_checked(triage_api):
    client, uow = triage_api
    params = client.get("/v1/openapi.json").json()["paths"]["/adviezen"]["get"]["parameters"]
    assert "meldingId" in [p["name"] for p in params] and "melding_id" not in [p["name"] for p in params]
    assert client.get("/v1/adviezen", params={"meldingId": "geen-uuid"}).status_code == 400
    conflicting = client.get("/v1/adviezen", params={"meldingId": str(uuid4()), "melding_id": str(uuid4())})
    assert conflicting.status_code == 400
    assert client.get("/v1/adviezen").status_code == 200 and uow.triage.filters[-1]["melding_id"] is None


# --- the README's webhook verification example --------------------------------------------------

def readme_example() -> str:
    section = README.read_text().split("### Verifying a webhook", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run_example(secret: str, headers: dict[str, str], body: bytes) -> bool:
    scope = {"secret": secret, "headers": headers, "body": body}
    exec(readme_example(), scope)  # our own README's snippet
    return scope["valid"]


def test_the_readme_example_is_five_lines_and_verifies_our_signature():
    secret = wh.nieuw_geheim()
    body = wh.body(wh.bericht("evt_1", "nl.jbketen.casus.closed.v1", PINNED_NOW, "casus-1",
                              {"casus_id": "casus-1", "gemeente": "GM0599"}))
    headers = wh.headers(secret, "evt_1", int(PINNED_NOW.timestamp()), body)
    assert len(readme_example().strip().splitlines()) == 5
    assert run_example(secret, headers, body.encode())
    assert not run_example(secret, headers, body.replace("GM0599", "GM0606").encode())
    assert not run_example(wh.nieuw_geheim(), headers, body.encode())
    # Several signatures in the header (key rotation): one match is enough.
    rotated = {**headers, "webhook-signature": "v1,bm90LXRoaXM= " + headers["webhook-signature"]}
    assert run_example(secret, rotated, body.encode())


def test_the_readme_names_the_decoded_key_not_the_whsec_string():
    section = README.read_text().split("### Verifying a webhook", 1)[1].split("\n## ", 1)[0]
    assert "base64-decoding the part of the" in section and "after `whsec_`" in section
    assert "HMAC-SHA256(secret," not in README.read_text()
    # The whsec_ string itself as the key verifies nothing: the defect the README led to.
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    body = '{"id":"evt_1"}'
    headers = wh.headers(secret, "evt_1", 1767225600, body)
    as_text = wh.onderteken("whsec_" + base64.b64encode(secret.encode()).decode(), "evt_1", 1767225600, body)
    assert as_text != headers["webhook-signature"]


# --- one language for reasons -------------------------------------------------------------------

def test_no_reason_a_user_reads_is_english():
    gezin = uuid4()
    casus, _ = wijs_maatregel_toe(None, measure(gezin, GI.LJR), PINNED_NOW)
    _, joined = wijs_maatregel_toe(casus, measure(gezin, GI.JBRR), PINNED_NOW)
    for english in ("one family", "the family", "open case", "the measure named"):
        assert english not in joined.gi_reden.lower()
    assert joined.gi_reden.startswith("Eén gezin, één plan: ")


def test_reasons_stored_in_english_are_rewritten_to_the_same_dutch_text():
    migration = importlib.import_module("services.caseregie.migrations.versions.0004_gi_reden_nederlands")
    stored = "one family, one plan: the family already has an open case at JBRR; the measure named WSS"
    dutch = re.sub(migration.ENGLISH, migration.TO_DUTCH, stored)
    assert dutch == een_gezin_een_plan(GI.JBRR, GI.WSS) == DUTCH_REASON
    assert re.sub(migration.DUTCH, migration.TO_ENGLISH, dutch) == stored
