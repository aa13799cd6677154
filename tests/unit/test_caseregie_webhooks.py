import base64
import hashlib
import hmac
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from cryptography.fernet import Fernet

from contracts.events import (
    CasusClosed,
    CasusTransferred,
    DrangOverdue,
    Kind,
    OverdrachtApproved,
    OverdrachtRequested,
)
from contracts.vocabulary import GI, OverdrachtReden, Sluitreden
from runtime.cloudevents import CloudEvent
from runtime.errors import InvalidInput
from runtime.messagebus import MessageBus
from services.caseregie.adapters import wire
from services.caseregie.adapters.repository import WebhookRepository
from services.caseregie.adapters.webhook_client import WebhookClient
from services.caseregie.bootstrap import SPEC
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.commands import RegisterWebhook
from services.caseregie.domain.model import AANGEVRAAGD, Overdracht
from services.caseregie.domain.webhooks import Aflevering, Webhook
from services.caseregie.service_layer import webhooks as service
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings
from tests.clock import pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
FERNET_KEY = Fernet.generate_key().decode()


def test_signature_is_the_standard_webhooks_hmac_over_id_timestamp_and_body():
    body = '{"id":"evt_1","type":"nl.jbketen.casus.closed.v1"}'
    expected = base64.b64encode(hmac.new(
        KEY, b'evt_1.1767225600.{"id":"evt_1","type":"nl.jbketen.casus.closed.v1"}', hashlib.sha256,
    ).digest()).decode()
    assert wh.onderteken(SECRET, "evt_1", 1767225600, body) == "v1," + expected


def test_signature_matches_the_standard_webhooks_reference_vector():
    # The example of the Standard Webhooks specification (and its reference libraries).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    assert wh.onderteken(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_headers_of_a_delivery():
    headers = wh.headers(SECRET, "evt_1", 1767225600, "{}")
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == "1767225600"
    assert headers["webhook-signature"] == wh.onderteken(SECRET, "evt_1", 1767225600, "{}")
    assert headers["content-type"] == "application/json"


def test_a_new_webhook_gets_a_fresh_32_byte_secret():
    a, b = Webhook.registreer(GI.WSS, "https://gi.example/hooks", NOW), Webhook.registreer(
        GI.WSS, "https://gi.example/hooks", NOW)
    assert a.secret.startswith("whsec_") and a.secret != b.secret
    assert len(base64.b64decode(a.secret.removeprefix("whsec_"))) == 32


@pytest.mark.parametrize("url", ["ftp://gi.example/x", "gi.example/hooks", "https://", "", "x" * 3000,
                                 "http://gi.example/hooks"])
def test_a_webhook_needs_an_https_url(url):
    with pytest.raises(InvalidInput) as exc:
        Webhook.registreer(GI.WSS, url, NOW)
    assert exc.value.field == "url"


def test_plain_http_only_with_the_development_setting():
    hook = Webhook.registreer(GI.WSS, "http://gi.example/hooks", NOW, wh.Doelbeleid(allow_http=True))
    assert hook.url == "http://gi.example/hooks"


def test_transfer_events_go_to_both_gis_case_events_to_the_cases_gi():
    # as read back from the topic, recorded ones too (with their retired fields)
    casus_id, overdracht_id = uuid4(), uuid4()
    requested = OverdrachtRequested(overdracht_id=overdracht_id, casus_id=casus_id, gemeente="GM0599",
                                    van_gi=GI.JBRR, naar_gi=GI.WSS, reden="x",
                                    categorie=OverdrachtReden.OVERIG, aangevraagd_op=NOW)
    assert wh.ontvangers(wire.to_domain(requested)) == {GI.JBRR, GI.WSS}
    moved = CasusTransferred(casus_id=casus_id, overdracht_id=overdracht_id, gemeente="GM0599",
                             van_gi=GI.JBRR, naar_gi=GI.LJR, reden="x", categorie=OverdrachtReden.OVERIG,
                             kinderen=[Kind(kind_id=uuid4(), leeftijd=3)], overgedragen_op=NOW)
    assert wh.ontvangers(wire.to_domain(moved)) == {GI.JBRR, GI.LJR}
    approved = OverdrachtApproved(overdracht_id=overdracht_id, casus_id=casus_id, gemeente="GM0599",
                                  gi=GI.WSS, manager="m", goedgekeurd_op=NOW)
    transfer = Overdracht(id=overdracht_id, casus_id=casus_id, van_gi=GI.JBRR, naar_gi=GI.WSS, reden="x",
                          categorie=OverdrachtReden.OVERIG, status=AANGEVRAAGD, aangevraagd_op=NOW)
    assert wh.ontvangers(wire.to_domain(approved), transfer) == {GI.JBRR, GI.WSS}
    closed = CasusClosed(casus_id=casus_id, gezin_id=uuid4(), gemeente="GM0599", gi=GI.LJR,
                         reden=Sluitreden.AFSCHALING, kinderen=[Kind(kind_id=uuid4(), leeftijd=3)],
                         gesloten_op=NOW)
    assert wh.ontvangers(wire.to_domain(closed)) == {GI.LJR}
    drang = DrangOverdue(casus_id=casus_id, gemeente="GM0599", gi=GI.WSS, termijn="6_maanden",
                         startdatum=date(2025, 1, 1), gesignaleerd_op=NOW)
    assert wh.ontvangers(wire.to_domain(drang)) == {GI.WSS}


def test_backoff_doubles_from_the_base_up_to_the_cap():
    assert [wh.volgende_poging_na(n, 2, 300) for n in range(1, 11)] == [
        2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def aflevering() -> Aflevering:
    hook = Webhook.registreer(GI.WSS, "https://gi.example/hooks", NOW)
    bericht = wh.bericht("evt_1", "nl.jbketen.casus.closed.v1", NOW, "casus-1", {"casus_id": "casus-1"})
    return Aflevering.voor(hook, bericht, NOW)


def test_a_delivery_is_retried_until_acknowledged():
    a = aflevering()
    assert a.status == wh.WACHTEND and a.volgende_poging_op == NOW
    a.poging(NOW, "HTTP 503: busy", 2, 300)
    assert (a.status, a.pogingen, a.laatste_fout) == (wh.NIEUWE_POGING, 1, "HTTP 503: busy")
    assert a.volgende_poging_op == NOW + timedelta(seconds=2)
    a.poging(NOW, "ConnectError", 2, 300)
    assert a.volgende_poging_op == NOW + timedelta(seconds=4)
    a.poging(NOW + timedelta(seconds=5), None, 2, 300)
    assert (a.status, a.pogingen, a.afgeleverd_op) == (wh.AFGELEVERD, 3, NOW + timedelta(seconds=5))


def test_the_body_is_the_event_envelope():
    a = aflevering()
    assert wh.body(a.bericht) == (
        '{"id":"evt_1","type":"nl.jbketen.casus.closed.v1","time":"2026-03-01T12:00:00+00:00",'
        '"subject":"casus-1","data":{"casus_id":"casus-1"}}')


class FakeWebhookRepository(WebhookRepository):
    def __init__(self, due):
        super().__init__(None)
        self.due, self.saved, self.added = due, None, []

    async def claim_due(self, now, limit, box):
        return self.due[:limit]

    async def add(self, webhook, box):
        self.added.append((webhook, box.encrypt(webhook.secret)))

    async def save_afleveringen(self, afleveringen):
        self.saved = afleveringen


class FakeUnitOfWork(InMemoryTransaction, CaseregieUnitOfWork):
    def __init__(self, due, **settings):
        self.due = due
        settings = CaseregieSettings(webhook_secret_key=FERNET_KEY, **settings)
        super().__init__("caseregie", settings, pinned(NOW))

    def bind(self, session) -> None:
        self.webhooks = FakeWebhookRepository(self.due)

    @property
    def committed(self) -> bool:
        return self.commits > 0


def deliver(uow: FakeUnitOfWork, post) -> Awaitable[int]:
    return service.deliver(uow, post, uow.clock, uow.settings)


async def test_deliver_signs_each_due_delivery_and_records_the_outcome():
    ok_hook = Webhook.registreer(GI.WSS, "https://ok.example/hooks", NOW)
    bad_hook = Webhook.registreer(GI.JBRR, "https://down.example/hooks", NOW)
    bericht = wh.bericht("evt_1", "nl.jbketen.casus.closed.v1", NOW, "c", {"casus_id": "c"})
    ok, bad = Aflevering.voor(ok_hook, bericht, NOW), Aflevering.voor(bad_hook, bericht, NOW)
    sent = {}

    async def post(url, body, headers, beleid):
        sent[url] = (body, headers)
        assert beleid == wh.STRIKT
        if "down" in url:
            raise OSError("connection refused")
        return None

    uow = FakeUnitOfWork([(ok, ok_hook), (bad, bad_hook)])
    assert await deliver(uow, post) == 2
    body, headers = sent["https://ok.example/hooks"]
    assert body == wh.body(bericht).encode()
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-signature"] == wh.onderteken(
        ok_hook.secret, "evt_1", int(headers["webhook-timestamp"]), body.decode())
    assert ok.status == wh.AFGELEVERD and ok.pogingen == 1
    assert bad.status == wh.NIEUWE_POGING and "connection refused" in bad.laatste_fout
    assert uow.webhooks.saved == [ok, bad] and uow.committed


async def test_deliver_with_nothing_due_sends_nothing():
    async def post(url, body, headers, beleid):
        raise AssertionError("nothing is due")

    assert await deliver(FakeUnitOfWork([]), post) == 0


async def test_deliver_passes_the_development_policy_of_the_settings():
    hook = Webhook.registreer(GI.WSS, "https://ok.example/hooks", NOW)
    due = [(Aflevering.voor(hook, wh.bericht("evt_1", "t", NOW, "c", {}), NOW), hook)]
    seen = []

    async def post(url, body, headers, beleid):
        seen.append(beleid)

    uow = FakeUnitOfWork(due, webhook_allow_http=True, webhook_allow_private=True)
    await deliver(uow, post)
    assert seen == [wh.Doelbeleid(allow_http=True, allow_private=True)]


async def test_a_secret_no_key_opens_is_a_failed_attempt_and_nothing_is_sent():
    hook = Webhook.registreer(GI.WSS, "https://ok.example/hooks", NOW)
    hook.secret = None  # what the repository gives when no configured key decrypts it
    a = Aflevering.voor(hook, wh.bericht("evt_1", "t", NOW, "c", {}), NOW)

    async def post(url, body, headers, beleid):
        raise AssertionError("an unsigned delivery must not be sent")

    uow = FakeUnitOfWork([(a, hook)])
    await deliver(uow, post)
    assert a.status == wh.NIEUWE_POGING and a.laatste_fout == service.UNREADABLE_SECRET


async def public(host, port):
    return ["93.184.215.14"]


async def test_register_stores_the_secret_encrypted_and_returns_it_once():
    uow = FakeUnitOfWork([])
    hook = await bus(uow, resolve=public).handle(RegisterWebhook(GI.WSS, "https://gi.example/hooks"))
    (stored, versleuteld), = uow.webhooks.added
    assert stored is hook and hook.secret.startswith("whsec_") and uow.committed
    assert hook.secret not in versleuteld
    assert Fernet(FERNET_KEY.encode()).decrypt(versleuteld.encode()).decode() == hook.secret


def bus(uow: FakeUnitOfWork, resolve) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, resolve=resolve,
                              webhook_client=WebhookClient)


# --- fan-out: a case event read back from caseregie's own topic, through the bus -----------------

class FanOutWebhookRepository(WebhookRepository):
    def __init__(self, hooks):
        super().__init__(None)
        self.hooks, self.asked, self.added = hooks, [], []

    async def for_gis(self, gis):
        self.asked.append(gis)
        return [h for h in self.hooks if h.gi in gis]

    async def add_afleveringen(self, afleveringen):
        self.added += afleveringen


class StoredTransfers:
    def __init__(self, *transfers):
        self.transfers = {t.id: t for t in transfers}

    async def get_overdracht(self, overdracht_id):
        return self.transfers.get(overdracht_id)


class FanOutUnitOfWork(InMemoryTransaction, CaseregieUnitOfWork):
    def __init__(self, hooks, *transfers):
        self.hooks, self.transfers = hooks, transfers
        super().__init__("caseregie", CaseregieSettings(webhook_secret_key=FERNET_KEY), pinned(NOW))

    def bind(self, session) -> None:
        self.webhooks, self.casussen = FanOutWebhookRepository(self.hooks), StoredTransfers(*self.transfers)


async def _fan_out(event, *transfers):
    hooks = [Webhook.registreer(gi, f"https://{gi.lower()}.example/hooks", NOW) for gi in GI]
    uow = FanOutUnitOfWork(hooks, *transfers)
    ce = CloudEvent.wrap(event, "caseregie", NOW)
    uow.consuming(ce)  # as the consumer hands it to the bus
    await bus(uow, resolve=public).handle(event)
    return ce, uow


async def test_a_case_event_read_back_goes_to_the_webhooks_of_the_gis_it_concerns():
    requested = OverdrachtRequested(overdracht_id=uuid4(), casus_id=uuid4(), gemeente="GM0599",
                                    van_gi=GI.JBRR, naar_gi=GI.WSS, categorie=OverdrachtReden.OVERIG,
                                    aangevraagd_op=NOW)
    ce, uow = await _fan_out(requested)
    assert uow.webhooks.asked == [{GI.JBRR, GI.WSS}] and uow.commits == 1
    concerned = {h.id for h in uow.hooks if h.gi in (GI.JBRR, GI.WSS)}
    assert {a.webhook_id for a in uow.webhooks.added} == concerned
    a = uow.webhooks.added[0]
    assert a.bericht == wh.bericht(ce.id, ce.type, ce.time, ce.subject, ce.data)
    assert wh.body(a.bericht) == wh.body({"id": ce.id, "type": "nl.jbketen.overdracht.requested.v1",
                                          "time": NOW.isoformat(), "subject": str(requested.casus_id),
                                          "data": requested.model_dump(mode="json")})


async def test_a_decision_recorded_before_it_named_both_gis_goes_to_the_stored_transfers_gis():
    transfer = Overdracht(id=uuid4(), casus_id=uuid4(), van_gi=GI.JBRR, naar_gi=GI.LJR, reden="x",
                          categorie=OverdrachtReden.OVERIG, status=AANGEVRAAGD, aangevraagd_op=NOW)
    approved = OverdrachtApproved(overdracht_id=transfer.id, casus_id=transfer.casus_id, gemeente="GM0599",
                                  gi=GI.LJR, manager="m", goedgekeurd_op=NOW)
    _, uow = await _fan_out(approved, transfer)
    assert uow.webhooks.asked == [{GI.JBRR, GI.LJR}]
