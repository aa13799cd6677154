"""The escalation plan (issue 16 §3): the plan as versioned data, checked when read; its level rules
(who is told per level and through which channel, the measures in force, the raise after the plan's
time without every acknowledgement, the top level); acknowledgements recorded once; the week's
figure to GRJR once per week; notifications delivered signed (webhook) and as e-mail (the mail sink)."""
import base64
import copy
import email
import hashlib
import hmac
import json
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from contracts.events import EscalatieBevestigd, EscalatieWeekcijfer, EscalationRaised
from contracts.vocabulary import GI
from runtime.errors import Conflict, NotFound
from runtime.identity import GI_MANAGER, GI_ROL, REGIO, RVDK, Principal
from runtime.webhooks import nieuw_geheim
from services.capacity.adapters import escalatieplannen
from services.capacity.adapters.kennisgeving_kanalen import Kanalen
from services.capacity.bootstrap import DEPENDENCIES, SPEC
from services.capacity.domain import escalatieplan as ep
from services.capacity.domain.commands import (
    AcknowledgeEscalatie,
    CheckBevestigingen,
    DeliverKennisgevingen,
    ReadEscalatie,
    ReportStaffing,
    SendWeekcijfer,
)
from services.capacity.domain.escalatieplan import Escalatieplan, EscalatieplanOngeldig
from services.capacity.domain.kennisgeving import iso_week
from services.capacity.settings import CapacitySettings
from tests import identity
from tests.fakes import bootstrap_test_app, bootstrap_test_bus
from tests.unit.test_capacity_handlers import FakeCapacityUnitOfWork, bus

PLAN = escalatieplannen.actief()
RAW = json.loads((escalatieplannen.FOLDER / f"{PLAN.versie}.json").read_text())
SECRETS = {p: nieuw_geheim() for p in ep.PARTIJEN}


def caller(rol: str, organisatie: str) -> Principal:
    return Principal(sub=f"{rol}@{organisatie}", rol=rol, organisatie=organisatie)


RAAD, REGIO_ = caller(RVDK, "RvdK"), caller(REGIO, "GRJR")
GIS = {gi: caller(GI_ROL, gi.value) for gi in GI}


# -- the plan as data ------------------------------------------------------------------------------

def test_the_shipped_plan_is_valid_and_the_newest_is_active():
    assert list(escalatieplannen.versies()) == [PLAN.versie]
    assert PLAN.hoogste_niveau == 3
    assert escalatieplannen.versie(None) is PLAN and escalatieplannen.versie("1999.1") is PLAN


def broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize(("change", "path"), [
    (lambda r: r["niveaus"][0]["ontvangers"].append({"partij": "gemeente", "kanalen": ["email"]}),
     "niveaus[0].ontvangers[4].partij"),
    (lambda r: r["niveaus"][0]["ontvangers"][0].update(kanalen=["sms"]), "niveaus[0].ontvangers[0].kanalen"),
    (lambda r: r["niveaus"][0]["ontvangers"][0].update(kanalen=[]), "niveaus[0].ontvangers[0].kanalen"),
    (lambda r: r["niveaus"][0]["ontvangers"].append({"partij": "rvdk", "kanalen": ["email"]}),
     "niveaus[0].ontvangers[4].partij"),
    (lambda r: r["niveaus"][1]["maatregelen"].append("alles_stil"), "niveaus[1].maatregelen"),
    (lambda r: r["niveaus"][0]["maatregelen"].append("weekcijfer_grjr"), "niveaus[0].maatregelen"),
    (lambda r: r["niveaus"][0].update(ophogen_na_uren=0), "niveaus[0].ophogen_na_uren"),
    (lambda r: r["niveaus"][0].update(ophogen_na_uren="24"), "niveaus[0].ophogen_na_uren"),
    (lambda r: r["niveaus"][1].update(niveau=3), "niveaus[1].niveau"),
    (lambda r: r["niveaus"].append(copy.deepcopy(r["niveaus"][2])), "niveaus"),
    (lambda r: r.update(versie="volgende"), "versie"),
    (lambda r: r["niveaus"][0].update(ontvangers=[]), "niveaus[0].ontvangers"),
])
def test_an_invalid_plan_is_refused_naming_the_place(change, path):
    with pytest.raises(EscalatieplanOngeldig) as exc:
        Escalatieplan.from_dict(broken(change))
    assert path in [name for name, _ in exc.value.fields], exc.value.detail


def test_a_folder_with_an_invalid_file_or_a_misnamed_version_refuses_them_all(tmp_path):
    (tmp_path / "2026.1.json").write_text(json.dumps(RAW))
    (tmp_path / "2026.2.json").write_text(json.dumps({**RAW, "versie": "2026.3"}))
    with pytest.raises(EscalatieplanOngeldig, match="does not match the file name"):
        escalatieplannen.versies(tmp_path)
    other = tmp_path / "b"
    other.mkdir()
    (other / "2026.1.json").write_text(json.dumps(RAW))
    (other / "2026.2.json").write_text(json.dumps({**RAW, "versie": "2026.2"}))
    assert escalatieplannen.actief(other).versie == "2026.2"


# -- the level rules -------------------------------------------------------------------------------

def test_who_is_told_through_which_channel_and_the_measures_per_level():
    assert {p for p, _ in PLAN.te_vertellen(1)} == {"rvdk", "JBRR", "WSS", "LJR"}
    assert ("grjr", "email") in PLAN.te_vertellen(2) and ("grjr", "email") not in PLAN.te_vertellen(1)
    assert ("WSS", "email") not in PLAN.te_vertellen(1) and ("WSS", "email") in PLAN.te_vertellen(2)
    assert PLAN.maatregelen(1) == (ep.WACHTENDEN,)
    assert set(PLAN.maatregelen(2)) == {ep.WACHTENDEN, ep.GRIJS_GEBIED}
    assert set(PLAN.maatregelen(3)) == {ep.WACHTENDEN, ep.GRIJS_GEBIED, ep.WEEKCIJFER}


def test_who_acknowledges_for_which_party():
    assert ep.partij_van(RAAD) == "rvdk" and ep.partij_van(REGIO_) == "grjr"
    assert ep.partij_van(caller(GI_MANAGER, "WSS")) == "WSS" and ep.partij_van(GIS[GI.LJR]) == "LJR"
    assert ep.partij_van(caller("beheer", "jbketen")) is None
    assert ep.partij_van(caller(GI_ROL, "rvdk")) is None  # a GI role names a GI, never another party


def settings(**extra) -> CapacitySettings:
    return CapacitySettings(
        escalatie_webhooks=",".join(f"{p}=https://{p.lower()}.example/escalaties" for p in ("rvdk", "JBRR")),
        escalatie_webhook_secrets=",".join(f"{p}={SECRETS[p]}" for p in ("rvdk", "JBRR")),
        escalatie_email="grjr=regio@grjr.example,WSS=escalaties@wss.example", **extra)


async def all_at_norm(uow: FakeCapacityUnitOfWork) -> None:
    """Every GI reports no protectors: every GI at its norm (one condition: level 1)."""
    for gi in GI:
        await bus(uow).handle(ReportStaffing(GIS[gi], gi, caseload_norm=10, jeugdbeschermers=0))


def raised(uow) -> list[EscalationRaised]:
    return [e for e in uow.published if isinstance(e, EscalationRaised)]


async def test_an_escalation_opens_at_level_1_with_the_plan_and_tells_its_parties():
    uow = FakeCapacityUnitOfWork(settings())
    await all_at_norm(uow)
    [event] = raised(uow)
    assert (event.niveau, event.escalatieplan_versie, event.maatregelen) == (1, PLAN.versie, [ep.WACHTENDEN])
    told = {(k.partij, k.kanaal): k.status for k in uow.kennisgevingen.rows}
    assert told == {("rvdk", "event"): "verzonden", ("rvdk", "webhook"): "wachtend",
                    ("JBRR", "event"): "verzonden", ("JBRR", "webhook"): "wachtend",
                    ("WSS", "event"): "verzonden", ("WSS", "webhook"): "niet_ingesteld",
                    ("LJR", "event"): "verzonden", ("LJR", "webhook"): "niet_ingesteld"}
    assert all(k.onderwerp == "niveau 1" for k in uow.kennisgevingen.rows)
    [message] = {json.dumps(k.bericht["data"], sort_keys=True) for k in uow.kennisgevingen.rows}
    assert json.loads(message) == event.model_dump(mode="json")


async def test_without_every_acknowledgement_it_rises_after_the_plans_time_and_not_before():
    uow = FakeCapacityUnitOfWork(settings())
    await all_at_norm(uow)
    assert await bus(uow).handle(CheckBevestigingen()) is False
    for partij in (RAAD, GIS[GI.JBRR], GIS[GI.WSS]):  # LJR does not acknowledge
        await bus(uow).handle(AcknowledgeEscalatie(partij, raised(uow)[0].escalatie_id))
    uow.clock.advance(hours=23, minutes=59)
    assert await bus(uow).handle(CheckBevestigingen()) is False
    uow.clock.advance(minutes=1)
    assert await bus(uow).handle(CheckBevestigingen()) is True
    first, second = raised(uow)
    assert second.escalatie_id == first.escalatie_id and second.niveau == 2
    assert set(second.maatregelen) == {ep.WACHTENDEN, ep.GRIJS_GEBIED}
    assert "niet bevestigd binnen 24 uur door: LJR" in second.redenen[-1]
    niveau_2 = {(k.partij, k.kanaal) for k in uow.kennisgevingen.rows if k.onderwerp == "niveau 2"}
    assert niveau_2 == set(PLAN.te_vertellen(2))
    # Level 2's own time runs from now; at level 3 (the top) nothing rises any more.
    uow.clock.advance(hours=48)
    assert await bus(uow).handle(CheckBevestigingen()) is True and raised(uow)[-1].niveau == 3
    uow.clock.advance(days=30)
    assert await bus(uow).handle(CheckBevestigingen()) is False and len(raised(uow)) == 3


async def test_a_level_every_party_acknowledged_does_not_rise():
    uow = FakeCapacityUnitOfWork(settings())
    await all_at_norm(uow)
    escalatie_id = raised(uow)[0].escalatie_id
    for partij in (RAAD, *GIS.values()):
        await bus(uow).handle(AcknowledgeEscalatie(partij, escalatie_id))
    uow.clock.advance(days=3)
    assert await bus(uow).handle(CheckBevestigingen()) is False
    detail = await bus(uow).handle(ReadEscalatie(escalatie_id))
    assert detail["openstaand"] == [] and detail["ophogen_op"] is None


async def test_an_acknowledgement_is_recorded_once_and_published_once():
    uow = FakeCapacityUnitOfWork(settings())
    await all_at_norm(uow)
    escalatie_id = raised(uow)[0].escalatie_id
    uow.clock.advance(minutes=90)
    first, new = await bus(uow).handle(AcknowledgeEscalatie(caller(GI_MANAGER, "WSS"), escalatie_id, 1))
    assert new and (first.partij, first.niveau, first.rol) == ("WSS", 1, GI_MANAGER)
    again, new = await bus(uow).handle(AcknowledgeEscalatie(GIS[GI.WSS], escalatie_id))
    assert not new and again == first
    [event] = [e for e in uow.published if isinstance(e, EscalatieBevestigd)]
    assert (event.partij, event.niveau) == ("WSS", 1)
    assert (event.bevestigd_op - event.niveau_sinds).total_seconds() == 90 * 60  # time to acknowledge
    assert len(uow.bevestigingen.rows) == 1


async def test_an_acknowledgement_that_does_not_fit_is_a_conflict():
    uow = FakeCapacityUnitOfWork(settings())
    await all_at_norm(uow)
    escalatie_id = raised(uow)[0].escalatie_id
    with pytest.raises(Conflict, match="grjr is not told at level 1"):
        await bus(uow).handle(AcknowledgeEscalatie(REGIO_, escalatie_id))
    with pytest.raises(Conflict, match="at level 1 now, not 2"):
        await bus(uow).handle(AcknowledgeEscalatie(RAAD, escalatie_id, 2))
    with pytest.raises(NotFound):
        await bus(uow).handle(AcknowledgeEscalatie(RAAD, uuid4()))
    assert uow.bevestigingen.rows == []
    # Recovered: the escalation has ended and nothing is acknowledged any more.
    for gi in GI:
        await bus(uow).handle(ReportStaffing(GIS[gi], gi, caseload_norm=10, jeugdbeschermers=5))
    with pytest.raises(Conflict, match="has ended"):
        await bus(uow).handle(AcknowledgeEscalatie(RAAD, escalatie_id))


async def test_the_weekly_figure_goes_to_grjr_once_a_week_only_while_the_measure_is_in_force():
    uow = FakeCapacityUnitOfWork(settings())
    assert await bus(uow).handle(SendWeekcijfer()) is False  # no escalation
    await all_at_norm(uow)
    assert await bus(uow).handle(SendWeekcijfer()) is False  # level 1: not in force
    for _ in range(2):
        uow.clock.advance(hours=49)
        await bus(uow).handle(CheckBevestigingen())
    assert raised(uow)[-1].niveau == 3
    # The level that put the measure in force sent this week's figure at once, with its raise.
    [figure] = [e for e in uow.published if isinstance(e, EscalatieWeekcijfer)]
    assert uow.published.index(figure) == uow.published.index(raised(uow)[-1]) + 1
    assert await bus(uow).handle(SendWeekcijfer()) is False  # the same week: once
    assert figure.week == iso_week(uow.clock.now()) and {g.gi for g in figure.per_gi} == set(GI)
    week = [(k.partij, k.kanaal, k.status) for k in uow.kennisgevingen.rows if k.onderwerp.startswith("week")]
    assert week == [("grjr", "event", "verzonden"), ("grjr", "email", "wachtend")]
    uow.clock.advance(days=7)
    assert await bus(uow).handle(SendWeekcijfer()) is True
    assert len([e for e in uow.published if isinstance(e, EscalatieWeekcijfer)]) == 2


# -- delivery --------------------------------------------------------------------------------------

class Receiver:
    """A webhook client that records what it was asked to POST (and answers 2xx, or fails)."""

    def __init__(self, fail: bool = False):
        self.posts: list[tuple[str, bytes, dict]] = []
        self.fail = fail

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        pass

    async def post(self, url, body, headers, beleid):
        self.posts.append((url, body, headers))
        return "HTTP 503: down" if self.fail else None


def bus_to(uow: FakeCapacityUnitOfWork, receiver: Receiver):
    """capacity's bus whose channels post webhooks to `receiver` (e-mail as configured)."""
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock,
                              kanalen=lambda settings, clock: Kanalen(settings, clock, receiver))


def verified(secret: str, body: bytes, headers: dict) -> bool:
    """As the README tells a receiver to verify a Standard Webhooks signature."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig, expected) for sig in headers["webhook-signature"].split())


async def test_webhooks_go_out_signed_and_failures_are_retried_later(tmp_path: Path):
    uow = FakeCapacityUnitOfWork(settings(mail_map=str(tmp_path)))
    await all_at_norm(uow)
    receiver = Receiver(fail=True)
    deliver = bus_to(uow, receiver)
    assert await deliver.handle(DeliverKennisgevingen()) == 2
    webhooks = [k for k in uow.kennisgevingen.rows if k.kanaal == "webhook" and k.partij in ("rvdk", "JBRR")]
    assert {k.status for k in webhooks} == {"nieuwe_poging"}
    assert await deliver.handle(DeliverKennisgevingen()) == 0  # not due yet
    receiver.fail = False
    uow.clock.advance(seconds=uow.settings.kennisgeving_retry_base_s)
    assert await deliver.handle(DeliverKennisgevingen()) == 2
    for url, body, headers in receiver.posts[2:]:
        partij = "rvdk" if url.startswith("https://rvdk") else "JBRR"
        assert verified(SECRETS[partij], body, headers)
        assert json.loads(body)["data"]["niveau"] == 1
    assert all(k.status == "verzonden" and k.pogingen == 2 for k in webhooks)
    ids = [headers["webhook-id"] for _, _, headers in receiver.posts]
    assert sorted(ids[:2]) == sorted(ids[2:]) and len(set(ids)) == 2  # a retry has the same id


async def test_a_levels_notice_not_sent_when_the_escalation_ends_lapses_and_is_not_sent(tmp_path: Path):
    uow = FakeCapacityUnitOfWork(settings(mail_map=str(tmp_path)))
    await all_at_norm(uow)
    receiver = Receiver(fail=True)
    assert await bus_to(uow, receiver).handle(DeliverKennisgevingen()) == 2  # both webhooks failed
    for gi in GI:  # the GIs report staffing again: places everywhere, the escalation ends
        await bus(uow).handle(ReportStaffing(GIS[gi], gi, caseload_norm=10, jeugdbeschermers=5))
    assert any(e.type.endswith("cleared.v1") for e in map(type, uow.published))
    webhooks = [k for k in uow.kennisgevingen.rows if k.kanaal == "webhook" and k.partij in ("rvdk", "JBRR")]
    assert {(k.status, k.volgende_poging_op) for k in webhooks} == {("vervallen", None)}
    assert all(k.vervallen_op == uow.clock.now() for k in webhooks)
    receiver.fail = False
    uow.clock.advance(hours=1)
    assert await bus_to(uow, receiver).handle(DeliverKennisgevingen()) == 0
    assert len(receiver.posts) == 2  # only the two failed attempts before the end
    # The events went out with their commit, as ever: they stay sent.
    assert {k.status for k in uow.kennisgevingen.rows if k.kanaal == "event"} == {"verzonden"}


def written(folder: Path) -> list:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


async def test_without_an_smtp_server_an_email_is_written_to_the_mail_folder(tmp_path: Path):
    uow = FakeCapacityUnitOfWork(settings(mail_map=str(tmp_path), ophogen_interval_s=1))
    await all_at_norm(uow)
    uow.clock.advance(hours=25)
    await bus(uow).handle(CheckBevestigingen())  # level 2: e-mail to WSS and GRJR (addresses set)
    await bus_to(uow, Receiver()).handle(DeliverKennisgevingen())
    mails = written(tmp_path)
    assert sorted(m["To"] for m in mails) == ["escalaties@wss.example", "regio@grjr.example"]
    for m in mails:
        assert "niveau 2" in m["Subject"] and PLAN.versie in m["Subject"]
        text = m.get_payload(decode=True).decode()
        assert "/bevestigingen" in text and ep.MAATREGELEN[ep.GRIJS_GEBIED] in text
    email_rows = [k for k in uow.kennisgevingen.rows if k.kanaal == "email"]
    assert {(k.partij, k.status) for k in email_rows} == {
        ("WSS", "verzonden"), ("grjr", "verzonden"), ("rvdk", "niet_ingesteld"), ("JBRR", "niet_ingesteld"),
        ("LJR", "niet_ingesteld")}


# -- over HTTP -------------------------------------------------------------------------------------

@pytest.fixture
def api():
    uow = FakeCapacityUnitOfWork(settings())
    client = TestClient(bootstrap_test_app(SPEC, uow, **DEPENDENCIES))
    return client, uow


async def test_the_escalation_shows_its_plan_level_who_was_told_who_acknowledged_and_the_measures(api):
    client, uow = api
    await all_at_norm(uow)
    escalatie_id = raised(uow)[0].escalatie_id
    path = f"/v1/escalaties/{escalatie_id}"
    r = client.post(f"{path}/bevestigingen", json={}, headers=identity.rvdk())
    assert r.status_code == 201 and r.json()["partij"] == "rvdk"
    again = client.post(f"{path}/bevestigingen", json={"niveau": 1}, headers=identity.rvdk())
    assert again.status_code == 200 and again.json() == r.json()
    r = client.post(f"{path}/bevestigingen", json={}, headers=identity.regio())
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert client.post(f"{path}/bevestigingen", json={}, headers=identity.beheer()).status_code == 403

    body = client.get(path, headers=identity.gi("WSS")).json()
    assert (body["escalatieplan_versie"], body["niveau"], body["status"]) == (PLAN.versie, 1, "open")
    assert [m["code"] for m in body["maatregelen_in_werking"]] == [ep.WACHTENDEN]
    assert body["openstaand"] == ["JBRR", "WSS", "LJR"] and body["ophogen_op"]
    assert [(b["partij"], b["niveau"]) for b in body["bevestigingen"]] == [("rvdk", 1)]
    told = {(k["partij"], k["kanaal"]): k for k in body["kennisgevingen"]}
    assert told[("rvdk", "event")]["verzonden_op"] and told[("WSS", "webhook")]["status"] == "niet_ingesteld"
    assert client.get(f"/v1/escalaties/{uuid4()}", headers=identity.rvdk()).status_code == 404
    assert client.get(path).status_code == 401
    assert client.get("/v1/escalaties", headers=identity.regio()).json()["items"][0]["maatregelen"] == [
        ep.WACHTENDEN]
