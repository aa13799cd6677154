"""Consultation & advice (C&A) through triage's bus and HTTP API over an in-memory unit of work: a
local team asks for its own municipality only, the routing reads the hours of the request's year,
the GI the request went to records hours (another GI: 404), each change publishes its event and,
when the request names a family, logs the processing; the region sees every request without the
family's id; the family's id is erased after its retention term."""
import copy
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import ConsultatieRequested, ConsultatieUrenRecorded
from contracts.vocabulary import GI
from runtime.errors import NotFound
from runtime.identity import GI_ROL, LOKAAL_TEAM, Principal
from runtime.processing_log import CREATE, ERASE, READ, UPDATE
from services.triage.adapters.repository import ConsultatieRepository
from services.triage.bootstrap import SPEC
from services.triage.domain.commands import (
    EraseExpired,
    ReadCaVerdeling,
    RecordConsultatieUren,
    RequestConsultatie,
)
from services.triage.settings import TriageSettings
from tests import identity
from tests.fakes import bootstrap_test_app
from tests.unit.test_triage_service import FakeRepository
from tests.unit.test_triage_service import FakeUnitOfWork as TriageFake
from tests.unit.test_triage_service import bus as triage_bus

# 25 November 2026, noon in Rotterdam: explicit, as the year decides which hours count.
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


class FakeConsultaties(ConsultatieRepository):
    """Rows as the real tables hold them; the hours per GI per year by the day they were spent."""

    def __init__(self):
        super().__init__(None)
        self.rows: dict = {}
        self.laatste_activiteit: dict = {}
        self.jaaruren: dict[tuple[GI, int], float] = {}
        self.asked: list[tuple] = []

    async def add(self, c):
        self.rows[c.id] = copy.deepcopy(c)
        self.laatste_activiteit[c.id] = c.aangevraagd_op

    async def get(self, consultatie_id, *, for_update=False):
        return copy.deepcopy(self.rows.get(consultatie_id))

    async def add_registratie(self, c, r):
        self.rows[c.id].registraties.append(r)
        self.jaaruren[(c.gi, r.datum.year)] = self.jaaruren.get((c.gi, r.datum.year), 0) + r.uren
        self.laatste_activiteit[c.id] = max(self.laatste_activiteit[c.id], r.geregistreerd_op)

    async def uren_per_gi(self, jaar):
        return {gi: u for (gi, j), u in self.jaaruren.items() if j == jaar}

    async def aanvragen_per_gi(self, van, tot):
        found: dict = {}
        for c in self.rows.values():
            if van <= c.aangevraagd_op < tot:
                found[c.gi] = found.get(c.gi, 0) + 1
        return found

    async def lijst(self, *, gemeente, gi, categorie, limit, offset):
        self.asked.append((gemeente, gi))
        found = [c for c in self.rows.values() if (gemeente is None or c.gemeente == gemeente)
                 and (gi is None or c.gi == gi) and (categorie is None or c.categorie == categorie)]
        return copy.deepcopy(found[offset:offset + limit]), len(found)

    async def past_retention(self, grens, limit):
        return [copy.deepcopy(c) for i, c in self.rows.items()
                if c.gezin_id is not None and self.laatste_activiteit[i] < grens][:limit]

    async def erase(self, consultatie_id, now):
        self.rows[consultatie_id].gezin_id = None
        self.rows[consultatie_id].gewist_op = now


class NoAdvice(FakeRepository):
    async def past_retention(self, grens, limit):
        return []  # the advice's retention is tested in tests/integration/test_retention.py


class FakeUnitOfWork(TriageFake):
    def __init__(self, settings=None):
        self.store = FakeConsultaties()
        super().__init__(NoAdvice(), settings or TriageSettings())
        self.clock.set(NOW)

    def bind(self, session) -> None:
        super().bind(session)
        self.consultaties = self.store


def team(gemeente="GM0599") -> Principal:
    return Principal(sub=f"medewerker@{gemeente}", rol=LOKAAL_TEAM, organisatie=f"WT-{gemeente}",
                     gemeente=gemeente)


def gi(code: GI) -> Principal:
    return Principal(sub=f"systeem@{code}", rol=GI_ROL, organisatie=code)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


async def ask(uow, categorie, gemeente="GM0599", gezin_id=None):
    return await triage_bus(uow).handle(RequestConsultatie(team(gemeente), gemeente, categorie, gezin_id))


async def record(uow, consultatie, uren, datum=None, by=None):
    return await triage_bus(uow).handle(RecordConsultatieUren(
        by or gi(consultatie.gi), consultatie.id, uren, datum or uow.clock.today()))


# --- through the bus -------------------------------------------------------------------------------

async def test_a_factsheet_category_goes_to_its_gi_with_the_reason_in_one_transaction(uow):
    gezin = uuid4()
    consultatie = await ask(uow, "lvb", gezin_id=gezin)
    assert (consultatie.gi, consultatie.expertise) == (GI.WSS, "lvb")
    [[event]] = uow.transactions
    assert isinstance(event, ConsultatieRequested)
    assert (event.consultatie_id, event.gi, event.expertise, event.gezin_id, event.gemeente) == (
        consultatie.id, GI.WSS, "lvb", gezin, "GM0599")
    assert event.reden == consultatie.reden and "alleen WSS" in event.reden
    assert uow.store.rows[consultatie.id].gi == GI.WSS
    [log] = uow.verwerkingen
    assert (log.activiteit, log.actie, log.betrokkene.gezin_id, log.actor.sub) == (
        "triage.consultatie-aanvragen.v1", CREATE, gezin, "medewerker@GM0599")


async def test_a_request_without_a_family_holds_no_personal_data_and_logs_nothing(uow):
    await ask(uow, "opvoeding")
    assert uow.published[0].gezin_id is None and uow.verwerkingen == []


async def test_hours_recorded_steer_the_next_unnamed_request_to_the_gi_furthest_below_its_share(uow):
    assert (await ask(uow, "overig")).gi == GI.JBRR  # no hours yet: the largest share (45%)
    jbrr = await ask(uow, "complexe_scheiding")
    await record(uow, jbrr, 6)
    await record(uow, jbrr, 2)  # several registrations per request
    assert uow.store.jaaruren == {(GI.JBRR, 2026): 8}
    # T = 8: JBRR 3.6 - 8 = -4.4, WSS 2.4, LJR 2
    volgende = await ask(uow, "veiligheid")
    assert (volgende.gi, volgende.expertise) == (GI.WSS, None)
    assert "WSS 30% x 8 - 0 = 2,4" in volgende.reden
    assert (await ask(uow, "jeugdreclassering")).gi == GI.LJR  # of JBRR and LJR


async def test_each_registration_publishes_its_event_and_logs_the_familys_processing(uow):
    gezin = uuid4()
    consultatie = await ask(uow, "verslaving", gezin_id=gezin)
    uow.published.clear()
    uow.verwerkingen.clear()
    after = await record(uow, consultatie, 1.5, date(2026, 11, 25))
    [event] = uow.published
    assert isinstance(event, ConsultatieUrenRecorded)
    assert (event.consultatie_id, event.gi, event.uren, event.datum, event.categorie, event.gemeente) == (
        consultatie.id, GI.LJR, 1.5, date(2026, 11, 25), "verslaving", "GM0599")
    assert after.uren == 1.5 and [r.id for r in after.registraties] == [event.registratie_id]
    [log] = uow.verwerkingen
    assert (log.activiteit, log.actie, log.betrokkene.gezin_id) == (
        "triage.consultatie-uren-registreren.v1", UPDATE, gezin)


async def test_hours_of_last_year_do_not_count(uow):
    uow.clock.set(datetime(2025, 12, 30, 11, 0, tzinfo=UTC))
    vorig_jaar = await ask(uow, "complexe_scheiding")
    await record(uow, vorig_jaar, 20)  # JBRR, 2025
    uow.clock.set(NOW)
    consultatie = await ask(uow, "opvoeding")
    assert consultatie.gi == GI.JBRR and "nog geen C&A-uren in 2026" in consultatie.reden
    # a registration made now for a day of 2025 counts in 2025, not in the routing of 2026
    await record(uow, vorig_jaar, 4, date(2025, 12, 31))
    assert uow.store.jaaruren == {(GI.JBRR, 2025): 24}
    assert (await ask(uow, "opvoeding")).gi == GI.JBRR


async def test_the_year_is_the_regions_calendar_year(uow):
    await record(uow, await ask(uow, "complexe_scheiding"), 10)  # JBRR, 2026
    uow.clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 1 January 2027, 00:30 in Rotterdam
    consultatie = await ask(uow, "overig")
    assert consultatie.gi == GI.JBRR and "nog geen C&A-uren in 2027" in consultatie.reden
    uow.clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # still 31 December, 23:30
    assert (await ask(uow, "overig")).gi == GI.WSS  # 2026: JBRR 4.5 - 10, WSS 3, LJR 2.5


async def test_only_the_gi_the_request_went_to_records_hours(uow):
    consultatie = await ask(uow, "lvb")  # WSS
    with pytest.raises(NotFound) as other:
        await record(uow, consultatie, 1, by=gi(GI.JBRR))
    unknown = uuid4()
    with pytest.raises(NotFound) as none:
        await triage_bus(uow).handle(RecordConsultatieUren(gi(GI.JBRR), unknown, 1, NOW.date()))
    assert other.value.detail == none.value.detail.replace(str(unknown), str(consultatie.id))
    assert uow.store.jaaruren == {} and len(uow.published) == 1


async def test_the_distribution_shows_the_years_hours_and_requests_against_the_shares(uow):
    await record(uow, await ask(uow, "lvb"), 3)
    await record(uow, await ask(uow, "verslaving"), 1)
    verdeling = await triage_bus(uow).handle(ReadCaVerdeling(2026))
    assert [(s.gi, s.afgesproken_aandeel, s.uren, s.tekort) for s in verdeling.standen] == [
        (GI.JBRR, 0.45, 0, 1.8), (GI.WSS, 0.30, 3, -1.8), (GI.LJR, 0.25, 1, 0)]
    assert verdeling.aanvragen == {GI.WSS: 1, GI.LJR: 1} and verdeling.aandelen_bekend
    earlier = await triage_bus(uow).handle(ReadCaVerdeling(2020))
    assert not earlier.aandelen_bekend and all(s.uren == 0 for s in earlier.standen)
    assert (await triage_bus(uow).handle(ReadCaVerdeling())).jaar == 2026  # the clock's year


async def test_a_familys_id_is_erased_two_years_after_the_requests_last_activity(uow):
    oud, recent, zonder = uuid4(), uuid4(), None
    uow.clock.set(datetime(2024, 6, 1, 10, 0, tzinfo=UTC))
    verlopen = await ask(uow, "opvoeding", gezin_id=oud)
    bijgewerkt = await ask(uow, "opvoeding", gezin_id=recent)
    await ask(uow, "opvoeding", gezin_id=zonder)
    uow.clock.set(datetime(2025, 1, 10, 10, 0, tzinfo=UTC))
    await record(uow, bijgewerkt, 1)  # its last activity: 10 January 2025
    uow.clock.set(datetime(2026, 6, 2, 10, 0, tzinfo=UTC))  # the day after the 2nd anniversary
    uow.verwerkingen.clear()
    await triage_bus(uow).handle(EraseExpired())
    assert uow.store.rows[verlopen.id].gezin_id is None and uow.store.rows[verlopen.id].gewist_op
    assert uow.store.rows[bijgewerkt.id].gezin_id == recent
    [log] = uow.verwerkingen
    assert (log.activiteit, log.actie, log.betrokkene.gezin_id) == (
        "triage.consultatie-gezin-wissen.v1", ERASE, oud)
    assert uow.store.rows[verlopen.id].gi == GI.JBRR and uow.store.rows[verlopen.id].categorie == "opvoeding"


# --- through HTTP, with tokens ---------------------------------------------------------------------

@pytest.fixture
def api(uow):
    return TestClient(bootstrap_test_app(SPEC, uow)), uow


def names(r) -> list[str]:
    return [p["name"] for p in r.json().get("invalidParams", [])]


def post(client, body, headers=None):
    return client.post("/v1/consultaties", json=body, headers=headers or identity.lokaal_team("GM0599"))


def test_a_local_team_asks_and_gets_the_routing(api):
    client, _ = api
    gezin = str(uuid4())
    r = post(client, {"gemeente": "GM0599", "categorie": "jeugdreclassering", "gezin_id": gezin})
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"/v1/consultaties/{body['id']}"
    assert (body["gi"], body["expertise"], body["gezin_id"], body["uren"]) == ("JBRR", "jeugdreclassering",
                                                                              gezin, 0)
    assert "JBRR en LJR" in body["reden"] and body["regelset_versie"] == "2026.2"


@pytest.mark.parametrize(("headers", "status"), [
    (identity.lokaal_team("GM0606"), 403), (identity.veilig_thuis(), 403), (identity.gi("WSS"), 403),
    (identity.rvdk(), 403), (identity.regio(), 403)])
def test_only_the_municipalitys_own_local_team_asks(api, headers, status):
    client, uow = api
    r = post(client, {"gemeente": "GM0599", "categorie": "opvoeding"}, headers)
    assert r.status_code == status and uow.published == []
    if headers == identity.lokaal_team("GM0606"):
        assert names(r) == ["gemeente"]


@pytest.mark.parametrize(("body", "field"), [
    ({"gemeente": "GM0599", "categorie": "opvoeding", "toelichting": "Moeder drinkt"}, "toelichting"),
    ({"gemeente": "GM0599", "categorie": "opvoeding", "naam": "Jansen"}, "naam"),
    ({"gemeente": "GM0599", "categorie": "geen_categorie"}, "categorie"),
    ({"gemeente": "GM0599", "categorie": "opvoeding", "gezin_id": "Jansen"}, "gezin_id"),
    ({"categorie": "opvoeding"}, "gemeente"),
])
def test_a_body_with_free_text_or_unknown_codes_is_refused(api, body, field):
    client, uow = api
    r = post(client, body)
    assert r.status_code == 400 and field in names(r)[0] and uow.published == []
    assert r.headers["content-type"] == "application/problem+json"


def test_a_municipality_outside_the_region_is_refused():
    uow = FakeUnitOfWork()
    client = TestClient(bootstrap_test_app(SPEC, uow))
    r = post(client, {"gemeente": "GM0363", "categorie": "opvoeding"}, identity.lokaal_team("GM0363"))
    assert r.status_code == 400 and names(r) == ["gemeente"]


def test_hours_by_the_requests_gi_only(api):
    client, uow = api
    consultatie = post(client, {"gemeente": "GM0599", "categorie": "lvb"}).json()  # WSS
    path = f"/v1/consultaties/{consultatie['id']}/uren"
    hours = {"uren": 1.75, "datum": str(uow.clock.today())}
    other = client.post(path, json=hours, headers=identity.gi("JBRR"))
    assert other.status_code == 404
    unknown = client.post(f"/v1/consultaties/{uuid4()}/uren", json=hours, headers=identity.gi("JBRR"))
    assert unknown.status_code == 404
    assert client.post(path, json=hours, headers=identity.lokaal_team("GM0599")).status_code == 403
    r = client.post(path, json=hours, headers=identity.gi_manager("WSS"))
    assert r.status_code == 201, r.text
    assert r.json()["uren"] == 1.75 and len(r.json()["registraties"]) == 1
    r = client.post(path, json={**hours, "uren": 2}, headers=identity.gi("WSS"))
    assert r.json()["uren"] == 3.75 and len(r.json()["registraties"]) == 2


@pytest.mark.parametrize(("hours", "field"), [
    ({"uren": 0, "datum": "2026-11-25"}, "uren"), ({"uren": 0.1, "datum": "2026-11-25"}, "uren"),
    ({"uren": 25, "datum": "2026-11-25"}, "uren"), ({"uren": 1, "datum": "2026-11-26"}, "datum"),
    ({"uren": 1, "datum": "2026-11-24"}, "datum"), ({"uren": 1}, "datum"),
    ({"uren": 1, "datum": "2026-11-25", "toelichting": "gesprek met moeder"}, "toelichting"),
])
def test_bad_hours_are_refused_naming_the_field(api, hours, field):
    client, uow = api
    consultatie = post(client, {"gemeente": "GM0599", "categorie": "lvb"}).json()
    r = client.post(f"/v1/consultaties/{consultatie['id']}/uren", json=hours, headers=identity.gi("WSS"))
    assert r.status_code == 400 and field in names(r)[0], r.text
    assert uow.store.jaaruren == {}


def test_who_reads_which_requests(api):
    client, uow = api
    gezin = str(uuid4())
    mine = post(client, {"gemeente": "GM0599", "categorie": "lvb", "gezin_id": gezin}).json()  # WSS
    theirs = post(client, {"gemeente": "GM0606", "categorie": "verslaving"},
                  identity.lokaal_team("GM0606")).json()  # LJR

    def ids(headers, **params):
        r = client.get("/v1/consultaties", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return {c["id"]: c["gezin_id"] for c in r.json()["items"]}

    assert ids(identity.lokaal_team("GM0599")) == {mine["id"]: gezin}
    assert ids(identity.gi("WSS")) == {mine["id"]: gezin}
    assert ids(identity.gi_manager("LJR")) == {theirs["id"]: None}
    assert ids(identity.gi("JBRR")) == {}
    assert ids(identity.regio()) == {mine["id"]: None, theirs["id"]: None}  # never the family's id
    assert ids(identity.regio(), gi="LJR") == {theirs["id"]: None}
    assert client.get("/v1/consultaties", params={"gi": "LJR"}, headers=identity.gi("WSS")).status_code == 403
    r = client.get("/v1/consultaties", params={"gemeente": "GM0606"}, headers=identity.lokaal_team("GM0599"))
    assert r.status_code == 403 and names(r) == ["gemeente"]
    assert ("GM0599", None) in uow.store.asked and (None, "WSS") in uow.store.asked  # in the query


def test_one_request_is_for_its_municipalitys_team_its_gi_and_the_region(api):
    client, uow = api
    gezin = str(uuid4())
    consultatie = post(client, {"gemeente": "GM0599", "categorie": "lvb", "gezin_id": gezin}).json()
    path = f"/v1/consultaties/{consultatie['id']}"
    uow.verwerkingen.clear()
    for headers in (identity.lokaal_team("GM0599"), identity.gi("WSS")):
        r = client.get(path, headers=headers)
        assert r.status_code == 200 and r.json()["gezin_id"] == gezin
    assert [(v.activiteit, v.actie) for v in uow.verwerkingen] == [("triage.consultatie-inzien.v1", READ)] * 2
    regio = client.get(path, headers=identity.regio())
    assert regio.status_code == 200 and regio.json()["gezin_id"] is None and len(uow.verwerkingen) == 2
    for headers in (identity.lokaal_team("GM0606"), identity.gi("JBRR")):
        assert client.get(path, headers=headers).status_code == 404
    assert client.get(path, headers=identity.rvdk()).status_code == 403


def test_the_distribution_is_for_the_region_and_the_gis(api):
    client, _ = api
    consultatie = post(client, {"gemeente": "GM0599", "categorie": "lvb"}).json()
    client.post(f"/v1/consultaties/{consultatie['id']}/uren", json={"uren": 2, "datum": "2026-11-25"},
                headers=identity.gi("WSS"))
    r = client.get("/v1/consultaties/verdeling", params={"jaar": 2026}, headers=identity.regio())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["jaar"] == 2026 and body["totaal_uren"] == 2
    wss = next(g for g in body["gis"] if g["gi"] == "WSS")
    assert (wss["uren"], wss["aandeel"], wss["afgesproken_aandeel"], wss["tekort_uren"],
            wss["aanvragen"]) == (2, 1.0, 0.3, -1.4, 1)
    assert client.get("/v1/consultaties/verdeling", headers=identity.gi("JBRR")).status_code == 200
    assert client.get("/v1/consultaties/verdeling", headers=identity.lokaal_team()).status_code == 403
    r = client.get("/v1/consultaties/verdeling", params={"jaar": 3000}, headers=identity.regio())
    assert r.status_code == 400 and names(r) == ["jaar"]
