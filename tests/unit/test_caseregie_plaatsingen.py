"""Out-of-home placements and youth care a GI records for the children of its own cases: the date
rules (never in the future, never before the case's measures, a closed case only up to its closing
day), one place at a time per child, retries that change nothing, the events (pseudonymous child,
kind, dates; nothing personal) through the bus and the API, the processing log, the webhooks, and
who may do it (only the case's own GI; another GI's case is 404, a local team 403)."""
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import (
    CasusClosed,
    JeugdhulpStarted,
    Kind,
    UithuisplaatsingEnded,
    UithuisplaatsingStarted,
)
from contracts.vocabulary import GI, Jeugdhulpvorm, Plaatsingsvorm, Sluitreden
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.processing_log import CREATE, READ, UPDATE
from services.caseregie.adapters import wire
from services.caseregie.domain import events
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.commands import (
    CloseCasus,
    EndUithuisplaatsing,
    ListUithuisplaatsingen,
    RecordJeugdhulp,
    RecordUithuisplaatsing,
)
from services.caseregie.domain.model import Casus, wijs_maatregel_toe
from services.caseregie.service_layer.handlers import EVENT_HANDLERS
from services.caseregie.service_layer.webhooks import on_casus_event
from tests import identity
from tests.unit.test_caseregie_handlers import FakeUnitOfWork, app, bus, gi_systeem, maatregel
from tests.unit.test_caseregie_webhooks import _fan_out

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the handlers' tests' clock: 1 March 2026
TODAY = date(2026, 3, 1)
MAATREGEL_START = date(2026, 1, 5)
NETWERK, BESTAND, CRISIS = Plaatsingsvorm.NETWERKPLEEGZORG, Plaatsingsvorm.BESTANDSPLEEGZORG, \
    Plaatsingsvorm.CRISISPLEK_24UURS


def d(day: int, month: int = 2) -> date:
    return date(2026, month, day)


def _measure(gi=GI.JBRR, kinderen=2):
    m = maatregel(uuid4(), gi, [Kind(kind_id=uuid4(), leeftijd=6 + i) for i in range(kinderen)])
    return m.model_copy(update={"startdatum": MAATREGEL_START})


def case(gi=GI.JBRR) -> Casus:
    casus, _ = wijs_maatregel_toe(None, wire.maatregel(_measure(gi)), NOW - timedelta(days=50))
    return casus


def child(casus: Casus, i: int = 0):
    return casus.kinderen[i].kind_id


# --- the domain: dates ---------------------------------------------------------------------------

def test_a_placement_publishes_its_start_with_the_pseudonymous_child_kind_and_dates():
    casus = case()
    plaatsing, published = casus.plaats_uit(GI.JBRR, child(casus), NETWERK, True, d(10), None, NOW)
    assert casus.uithuisplaatsingen == [plaatsing] and plaatsing.lopend
    assert published == [events.UithuisplaatsingStarted(
        plaatsing_id=plaatsing.id, casus_id=casus.id, gezin_id=casus.gezin_id, gemeente="GM0599", gi=GI.JBRR,
        kind_id=child(casus), vorm=NETWERK, in_netwerk=True, startdatum=d(10), geregistreerd_op=NOW)]


def test_a_placement_recorded_with_its_end_publishes_started_then_ended():
    casus = case()
    plaatsing, published = casus.plaats_uit(GI.JBRR, child(casus), CRISIS, False, d(10), d(12), NOW)
    assert [type(e) for e in published] == [events.UithuisplaatsingStarted, events.UithuisplaatsingEnded]
    ended = published[1]
    assert (ended.plaatsing_id, ended.startdatum, ended.einddatum, ended.vorm) == (
        plaatsing.id, d(10), d(12), CRISIS)
    assert not plaatsing.lopend and plaatsing.beeindigd_op == NOW


@pytest.mark.parametrize(("start", "eind", "field"), [
    (TODAY + timedelta(days=1), None, "startdatum"),  # tomorrow
    (MAATREGEL_START - timedelta(days=1), None, "startdatum"),  # before the case's measures began
    (d(10), d(9), "einddatum"),  # before its start
    (d(10), TODAY + timedelta(days=1), "einddatum"),
])
def test_dates_in_the_future_or_before_the_measures_are_refused_naming_the_field(start, eind, field):
    casus = case()
    with pytest.raises(InvalidInput) as refused:
        casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, start, eind, NOW)
    assert refused.value.field == field and casus.uithuisplaatsingen == []


def test_today_the_measures_start_and_a_one_day_placement_are_fine():
    casus = case()
    casus.plaats_uit(GI.JBRR, child(casus, 0), CRISIS, False, MAATREGEL_START, MAATREGEL_START, NOW)
    casus.plaats_uit(GI.JBRR, child(casus, 1), CRISIS, False, TODAY, None, NOW)
    assert len(casus.uithuisplaatsingen) == 2


def test_the_child_must_be_one_of_the_cases_children():
    casus = case()
    with pytest.raises(InvalidInput) as refused:
        casus.plaats_uit(GI.JBRR, uuid4(), BESTAND, False, d(10), None, NOW)
    assert refused.value.field == "kind_id"
    with pytest.raises(InvalidInput):
        casus.start_jeugdhulp(GI.JBRR, uuid4(), Jeugdhulpvorm.AMBULANT, d(10), NOW)


@pytest.mark.parametrize(("vorm", "in_netwerk"), [(NETWERK, False), (BESTAND, True)])
def test_the_network_must_agree_with_the_kind_that_says_it(vorm, in_netwerk):
    casus = case()
    with pytest.raises(InvalidInput) as refused:
        casus.plaats_uit(GI.JBRR, child(casus), vorm, in_netwerk, d(10), None, NOW)
    assert refused.value.field == "in_netwerk"


def test_another_gi_finds_no_case():
    casus = case(GI.WSS)
    with pytest.raises(NotFound):
        casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), None, NOW)
    with pytest.raises(NotFound):
        casus.start_jeugdhulp(GI.LJR, child(casus), Jeugdhulpvorm.AMBULANT, d(10), NOW)
    assert casus.uithuisplaatsingen == [] and casus.jeugdhulp == []


# --- the domain: one place at a time, retries ----------------------------------------------------

def test_a_child_is_in_one_place_at_a_time_and_moves_by_ending_one_and_starting_the_next():
    casus = case()
    kind = child(casus)
    eerste, _ = casus.plaats_uit(GI.JBRR, kind, CRISIS, False, d(1), None, NOW)
    with pytest.raises(Conflict):  # the crisis place still runs
        casus.plaats_uit(GI.JBRR, kind, NETWERK, True, d(3), None, NOW)
    _, ended = casus.beeindig_uithuisplaatsing(GI.JBRR, eerste.id, d(3), NOW)
    assert [type(e) for e in ended] == [events.UithuisplaatsingEnded]
    tweede, started = casus.plaats_uit(GI.JBRR, kind, NETWERK, True, d(3), None, NOW)  # the same day
    assert [type(e) for e in started] == [events.UithuisplaatsingStarted]
    with pytest.raises(Conflict):  # history that overlaps the first placement
        casus.plaats_uit(GI.JBRR, kind, BESTAND, False, d(1, 1) + timedelta(days=30), d(2), NOW)
    casus.plaats_uit(GI.JBRR, child(casus, 1), CRISIS, False, d(1), None, NOW)  # a sibling: its own
    assert [p.id for p in casus.uithuisplaatsingen if p.kind_id == kind] == [eerste.id, tweede.id]


def test_a_crisis_place_of_a_few_hours_fits_between_two_placements_but_not_inside_one():
    casus = case()
    kind = child(casus)
    casus.plaats_uit(GI.JBRR, kind, NETWERK, True, d(10), d(20), NOW)  # recorded first: to family
    casus.plaats_uit(GI.JBRR, kind, BESTAND, False, d(1), d(10), NOW)
    casus.plaats_uit(GI.JBRR, kind, CRISIS, False, d(10), d(10), NOW)  # left the foster family, that day
    for day in (d(5), d(15)):
        with pytest.raises(Conflict):  # on a day the child was in a placement all day
            casus.plaats_uit(GI.JBRR, kind, CRISIS, False, day, day, NOW)
    casus.plaats_uit(GI.JBRR, kind, BESTAND, False, d(20), None, NOW)
    with pytest.raises(Conflict):  # a running placement runs on
        casus.plaats_uit(GI.JBRR, kind, CRISIS, False, d(25), d(25), NOW)
    assert [(p.vorm, p.startdatum) for p in casus.uithuisplaatsingen] == [  # in the order they happened
        (BESTAND, d(1)), (CRISIS, d(10)), (NETWERK, d(10)), (BESTAND, d(20))]


def test_the_same_placement_or_youth_care_sent_again_changes_nothing():
    casus = case()
    eerste, _ = casus.plaats_uit(GI.JBRR, child(casus), CRISIS, False, d(10), d(12), NOW)
    again, published = casus.plaats_uit(GI.JBRR, child(casus), CRISIS, False, d(10), d(12), NOW)
    assert again is eerste and published == [] and len(casus.uithuisplaatsingen) == 1
    hulp, _ = casus.start_jeugdhulp(GI.JBRR, child(casus), Jeugdhulpvorm.AMBULANT, d(11), NOW)
    again, published = casus.start_jeugdhulp(GI.JBRR, child(casus), Jeugdhulpvorm.AMBULANT, d(11), NOW)
    assert again is hulp and published == [] and len(casus.jeugdhulp) == 1
    _, published = casus.start_jeugdhulp(GI.JBRR, child(casus), Jeugdhulpvorm.GGZ, d(11), NOW)
    assert [type(e) for e in published] == [events.JeugdhulpStarted]  # another kind: its own start


def test_ending_again_on_the_same_day_changes_nothing_on_another_day_is_a_conflict():
    casus = case()
    plaatsing, _ = casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), None, NOW)
    casus.beeindig_uithuisplaatsing(GI.JBRR, plaatsing.id, d(20), NOW)
    assert casus.beeindig_uithuisplaatsing(GI.JBRR, plaatsing.id, d(20), NOW) == (plaatsing, [])
    with pytest.raises(Conflict):
        casus.beeindig_uithuisplaatsing(GI.JBRR, plaatsing.id, d(21), NOW)
    with pytest.raises(NotFound):
        casus.beeindig_uithuisplaatsing(GI.JBRR, uuid4(), d(21), NOW)
    with pytest.raises(NotFound):  # another GI: no case at all
        casus.beeindig_uithuisplaatsing(GI.WSS, plaatsing.id, d(21), NOW)
    assert plaatsing.einddatum == d(20)


@pytest.mark.parametrize("eind", [d(9), TODAY + timedelta(days=1)])
def test_an_end_before_the_start_or_in_the_future_is_refused(eind):
    casus = case()
    plaatsing, _ = casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), None, NOW)
    with pytest.raises(InvalidInput) as refused:
        casus.beeindig_uithuisplaatsing(GI.JBRR, plaatsing.id, eind, NOW)
    assert refused.value.field == "einddatum" and plaatsing.lopend


# --- the domain: a closed case takes history up to its closing day ---------------------------------

def test_a_closed_case_records_only_what_ended_by_its_closing_day():
    casus = case()
    lopend, _ = casus.plaats_uit(GI.JBRR, child(casus, 1), BESTAND, False, d(1), None, NOW)
    casus.sluit(GI.JBRR, Sluitreden.AFSCHALING, None, datetime(2026, 2, 20, 9, tzinfo=UTC))
    later = NOW
    with pytest.raises(Conflict):  # no running placement on a closed case
        casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), None, later)
    with pytest.raises(Conflict):  # ended after the closing day
        casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), d(25), later)
    with pytest.raises(Conflict):
        casus.start_jeugdhulp(GI.JBRR, child(casus), Jeugdhulpvorm.AMBULANT, d(21), later)
    with pytest.raises(Conflict):
        casus.beeindig_uithuisplaatsing(GI.JBRR, lopend.id, d(25), later)
    _, published = casus.plaats_uit(GI.JBRR, child(casus), BESTAND, False, d(10), d(20), later)
    assert [type(e) for e in published] == [events.UithuisplaatsingStarted, events.UithuisplaatsingEnded]
    casus.start_jeugdhulp(GI.JBRR, child(casus), Jeugdhulpvorm.AMBULANT, d(20), later)
    casus.beeindig_uithuisplaatsing(GI.JBRR, lopend.id, d(20), later)
    assert not lopend.lopend


# --- through the bus: events, outbox transaction, processing log -------------------------------------

async def _case_in(uow: FakeUnitOfWork, gi=GI.JBRR) -> Casus:
    await bus(uow).handle(_measure(gi))
    uow.published.clear()
    uow.verwerkingen.clear()
    return next(iter(uow.casussen.cases.values()))


async def test_the_handlers_publish_the_contract_events_in_the_recording_transaction_and_log_the_child():
    uow = FakeUnitOfWork()
    casus = await _case_in(uow)
    kind, systeem = child(casus), gi_systeem(GI.JBRR)
    plaatsing, nieuw = await bus(uow).handle(RecordUithuisplaatsing(systeem, casus.id, kind, CRISIS, False,
                                                                    d(10), d(12)))
    assert nieuw and uow.casussen.cases[casus.id].uithuisplaatsingen == [plaatsing]
    assert [type(e) for e in uow.transactions[-1]] == [UithuisplaatsingStarted, UithuisplaatsingEnded]
    hulp, nieuw = await bus(uow).handle(RecordJeugdhulp(systeem, casus.id, kind, Jeugdhulpvorm.VERBLIJF,
                                                        d(12)))
    (started,) = uow.transactions[-1]
    assert nieuw and isinstance(started, JeugdhulpStarted)
    assert started.model_dump(mode="json") == {
        "jeugdhulp_id": str(hulp.id), "casus_id": str(casus.id), "gezin_id": str(casus.gezin_id),
        "gemeente": "GM0599", "gi": "JBRR", "kind_id": str(kind), "vorm": "verblijf",
        "startdatum": "2026-02-12", "geregistreerd_op": "2026-03-01T12:00:00Z"}
    logged = [(v.activiteit, v.actie, v.resource_type, v.betrokkene.kind_id, v.actor.sub)
              for v in uow.verwerkingen]
    assert logged == [
        ("caseregie.uithuisplaatsing-registreren.v1", CREATE, "uithuisplaatsing", kind, systeem.sub),
        ("caseregie.jeugdhulp-registreren.v1", CREATE, "jeugdhulp", kind, systeem.sub)]

    again, nieuw = await bus(uow).handle(RecordUithuisplaatsing(systeem, casus.id, kind, CRISIS, False,
                                                                d(10), d(12)))
    assert again.id == plaatsing.id and not nieuw and uow.transactions[-1] == []


async def test_ending_and_reading_are_logged_for_the_placed_child_only():
    uow = FakeUnitOfWork()
    casus = await _case_in(uow)
    kind, systeem = child(casus, 1), gi_systeem(GI.JBRR)
    plaatsing, _ = await bus(uow).handle(RecordUithuisplaatsing(systeem, casus.id, kind, BESTAND, False,
                                                                d(10)))
    ended = await bus(uow).handle(EndUithuisplaatsing(systeem, casus.id, plaatsing.id, d(20)))
    assert ended.einddatum == d(20) and [type(e) for e in uow.transactions[-1]] == [UithuisplaatsingEnded]
    assert await bus(uow).handle(ListUithuisplaatsingen(systeem, casus.id)) == [ended]
    assert [(v.activiteit, v.actie, v.betrokkene.kind_id) for v in uow.verwerkingen] == [
        ("caseregie.uithuisplaatsing-registreren.v1", CREATE, kind),
        ("caseregie.uithuisplaatsing-registreren.v1", UPDATE, kind),
        ("caseregie.uithuisplaatsingen-inzien.v1", READ, kind)]


async def test_closing_a_case_ends_its_running_placements_on_the_closing_day_first():
    """No placement outlives its case: one still running ends on the closing day, published before
    the closure in the same transaction; an ended one stays as it was."""
    uow = FakeUnitOfWork()
    casus = await _case_in(uow)
    systeem = gi_systeem(GI.JBRR)
    lopend, _ = await bus(uow).handle(RecordUithuisplaatsing(systeem, casus.id, child(casus), BESTAND, False,
                                                             d(10)))
    klaar, _ = await bus(uow).handle(RecordUithuisplaatsing(systeem, casus.id, child(casus, 1), CRISIS, False,
                                                            d(3), d(5)))
    await bus(uow).handle(CloseCasus(systeem, casus.id, Sluitreden.AFSCHALING))
    ended, closed = uow.transactions[-1]
    assert isinstance(ended, UithuisplaatsingEnded) and isinstance(closed, CasusClosed)
    assert (ended.plaatsing_id, ended.einddatum) == (lopend.id, TODAY)
    stored = {p.id: p.einddatum for p in uow.casussen.cases[casus.id].uithuisplaatsingen}
    assert stored == {lopend.id: TODAY, klaar.id: d(5)}


async def test_a_refused_placement_publishes_and_logs_nothing():
    uow = FakeUnitOfWork()
    casus = await _case_in(uow)
    record = RecordUithuisplaatsing(gi_systeem(GI.JBRR), casus.id, child(casus), BESTAND, False, d(10))
    await bus(uow).handle(record)
    with pytest.raises(Conflict):  # the first one still runs
        await bus(uow).handle(RecordUithuisplaatsing(gi_systeem(GI.JBRR), casus.id, child(casus), BESTAND,
                                                     False, d(11)))
    assert [type(e) for e in uow.published] == [UithuisplaatsingStarted] and len(uow.verwerkingen) == 1


# --- webhooks: the GI that has the case ----------------------------------------------------------------

def test_the_new_events_go_to_the_webhooks_of_the_cases_gi():
    for domain in (events.UithuisplaatsingStarted, events.UithuisplaatsingEnded, events.JeugdhulpStarted):
        assert domain in wh.WEBHOOK_EVENTS
        assert EVENT_HANDLERS[wire.CONTRACTS[domain]] == [on_casus_event]


@pytest.mark.parametrize("event", [
    UithuisplaatsingStarted(plaatsing_id=uuid4(), casus_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599",
                            gi=GI.LJR, kind_id=uuid4(), vorm=NETWERK, in_netwerk=True, startdatum=d(10),
                            geregistreerd_op=NOW),
    UithuisplaatsingEnded(plaatsing_id=uuid4(), casus_id=uuid4(), gemeente="GM0599", gi=GI.LJR,
                          kind_id=uuid4(), vorm=NETWERK, in_netwerk=True, startdatum=d(10), einddatum=d(11),
                          geregistreerd_op=NOW),
    JeugdhulpStarted(jeugdhulp_id=uuid4(), casus_id=uuid4(), gezin_id=uuid4(), gemeente="GM0599", gi=GI.LJR,
                     kind_id=uuid4(), vorm=Jeugdhulpvorm.GGZ, startdatum=d(10), geregistreerd_op=NOW),
], ids=lambda e: type(e).__name__)
async def test_a_placement_or_youth_care_event_read_back_goes_to_that_gis_webhooks_only(event):
    ce, uow = await _fan_out(event)
    assert uow.webhooks.asked == [{GI.LJR}] and uow.commits == 1
    (aflevering,) = uow.webhooks.added
    assert aflevering.bericht["type"] == event.type and aflevering.bericht["data"] == ce.data


# --- the API: statuses, retries, access -----------------------------------------------------------

@pytest.fixture
def api():
    uow = FakeUnitOfWork()
    return TestClient(app(uow)), uow


JBRR = identity.gi("JBRR")


async def test_recording_reading_and_ending_over_http(api):
    client, uow = api
    casus = await _case_in(uow)
    path = f"/v1/casussen/{casus.id}/uithuisplaatsingen"
    body = {"kind_id": str(child(casus)), "vorm": "crisisplek_24uurs", "in_netwerk": False,
            "startdatum": "2026-02-10"}
    r = client.post(path, json=body, headers=JBRR)
    assert r.status_code == 201, r.text
    plaatsing = r.json()
    assert r.headers["location"] == f"{path}/{plaatsing['id']}"
    assert (plaatsing["lopend"], plaatsing["einddatum"], plaatsing["casus_id"]) == (True, None, str(casus.id))
    retry = client.post(path, json=body, headers=JBRR)
    assert retry.status_code == 200 and retry.json() == plaatsing
    assert client.post(path, json={**body, "startdatum": "2026-02-11"}, headers=JBRR).status_code == 409

    r = client.post(f"{path}/{plaatsing['id']}/beeindiging", json={"einddatum": "2026-02-14"}, headers=JBRR)
    assert r.status_code == 200 and r.json()["einddatum"] == "2026-02-14" and not r.json()["lopend"]
    again = client.post(f"{path}/{plaatsing['id']}/beeindiging", json={"einddatum": "2026-02-15"},
                        headers=JBRR)
    assert again.status_code == 409
    assert client.get(path, headers=JBRR).json() == [r.json()]
    assert client.get(f"{path}/{plaatsing['id']}", headers=JBRR).json() == r.json()
    assert client.get(f"{path}/{uuid4()}", headers=JBRR).status_code == 404
    assert [type(e) for e in uow.published] == [UithuisplaatsingStarted, UithuisplaatsingEnded]


async def test_youth_care_over_http(api):
    client, uow = api
    casus = await _case_in(uow)
    path = f"/v1/casussen/{casus.id}/jeugdhulptrajecten"
    body = {"kind_id": str(child(casus)), "vorm": "ambulant", "startdatum": "2026-02-02"}
    r = client.post(path, json=body, headers=JBRR)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"{path}/{r.json()['id']}"
    assert client.post(path, json=body, headers=JBRR).status_code == 200
    assert client.get(path, headers=JBRR).json() == [r.json()]
    assert client.get(f"{path}/{r.json()['id']}", headers=JBRR).json() == r.json()
    assert [type(e) for e in uow.published] == [JeugdhulpStarted]


def _names(r) -> list[str]:
    return [p["name"] for p in r.json().get("invalidParams", [])]


async def test_bad_input_is_a_problem_naming_the_field_and_nothing_personal_is_taken(api):
    client, uow = api
    casus = await _case_in(uow)
    path = f"/v1/casussen/{casus.id}/uithuisplaatsingen"
    body = {"kind_id": str(child(casus)), "vorm": "gezinshuis", "in_netwerk": False,
            "startdatum": "2026-02-10"}
    for change, field in (({"kind_id": str(uuid4())}, "kind_id"), ({"vorm": "hotel"}, "vorm"),
                          ({"startdatum": "2026-03-02"}, "startdatum"),
                          ({"einddatum": "2026-02-01"}, "einddatum"),
                          ({"naam_pleeggezin": "Fam. Jansen"}, "naam_pleeggezin")):
        r = client.post(path, json={**body, **change}, headers=JBRR)
        assert r.status_code == 400 and _names(r) == [field], (change, r.text)
    r = client.post(f"/v1/casussen/{casus.id}/jeugdhulptrajecten", headers=JBRR,
                    json={"kind_id": str(child(casus)), "vorm": "ambulant", "startdatum": "2025-12-01"})
    assert r.status_code == 400 and _names(r) == ["startdatum"]
    assert uow.published == [] and casus.uithuisplaatsingen == []


async def test_another_gis_case_is_not_found_on_every_route_and_a_local_team_is_forbidden(api):
    client, uow = api
    casus = await _case_in(uow, GI.WSS)
    own = identity.gi("WSS")
    base = f"/v1/casussen/{casus.id}"
    plaatsing = client.post(f"{base}/uithuisplaatsingen", headers=own, json={
        "kind_id": str(child(casus)), "vorm": "residentieel", "in_netwerk": False,
        "startdatum": "2026-02-10"}).json()
    hulp = client.post(f"{base}/jeugdhulptrajecten", headers=own, json={
        "kind_id": str(child(casus)), "vorm": "ggz", "startdatum": "2026-02-10"}).json()
    calls = [
        ("POST", f"{base}/uithuisplaatsingen", {"kind_id": str(child(casus)), "vorm": "residentieel",
                                                "in_netwerk": False, "startdatum": "2026-02-12"}),
        ("GET", f"{base}/uithuisplaatsingen", None),
        ("GET", f"{base}/uithuisplaatsingen/{plaatsing['id']}", None),
        ("POST", f"{base}/uithuisplaatsingen/{plaatsing['id']}/beeindiging", {"einddatum": "2026-02-20"}),
        ("POST", f"{base}/jeugdhulptrajecten", {"kind_id": str(child(casus)), "vorm": "ggz",
                                                "startdatum": "2026-02-12"}),
        ("GET", f"{base}/jeugdhulptrajecten", None),
        ("GET", f"{base}/jeugdhulptrajecten/{hulp['id']}", None),
    ]
    published = list(uow.published)
    for method, path, body in calls:
        for other in (identity.gi("JBRR"), identity.gi_manager("LJR")):
            assert client.request(method, path, json=body, headers=other).status_code == 404, path
        assert client.request(method, path, json=body, headers=identity.lokaal_team()).status_code == 403
        if body is not None:  # a body naming another GI than the token's: 403 naming the field
            r = client.request(method, path, json={**body, "gi": "JBRR"}, headers=own)
            assert r.status_code == 403 and _names(r) == ["gi"]
    assert uow.published == published and len(casus.uithuisplaatsingen) == 1 and len(casus.jeugdhulp) == 1
    assert client.get(f"{base}/uithuisplaatsingen", headers=identity.gi_manager("WSS")).status_code == 200
