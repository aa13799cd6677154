"""Issue 9 §3, webhooks: no request from caseregie into its own network (SSRF). Targets must be
https, must not be or resolve to a non-global address, are checked at registration and again at
every delivery (connecting to the checked address), and redirects are not followed."""
import asyncio
import os
import socket
import stat

import httpx
import pytest
from cryptography.fernet import Fernet

from contracts.vocabulary import GI
from runtime.errors import InvalidInput
from services.caseregie.adapters import webhook_client as client_module
from services.caseregie.adapters.repository import WebhookRepository
from services.caseregie.adapters.webhook_client import SecretBox, WebhookClient, controleer_doel, secret_box
from services.caseregie.bootstrap import SPEC
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.commands import RegisterWebhook
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings
from tests.clock import pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus

DEV = wh.Doelbeleid(allow_http=True, allow_private=True)
PUBLIC = "93.184.215.14"

FORBIDDEN = [
    "127.0.0.1", "127.8.9.10", "::1",  # loopback
    "10.0.0.1", "10.255.255.254",  # 10/8
    "172.16.0.1", "172.31.255.254",  # 172.16/12
    "192.168.0.1", "192.168.255.254",  # 192.168/16
    "169.254.169.254", "169.254.0.1", "fe80::1",  # link-local, the cloud metadata address
    "100.64.0.1", "100.127.255.254",  # shared address space (carrier-grade NAT)
    "224.0.0.1", "239.255.255.250", "ff02::1",  # multicast
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped IPv6
    "64:ff9b::7f00:1", "2002:7f00:1::",  # NAT64 and 6to4 forms of 127.0.0.1
    "0.0.0.0", "0.1.2.3", "::",  # unspecified / this network
    "240.0.0.1", "255.255.255.255", "fc00::1", "192.0.2.1", "2001:db8::1",  # reserved, ULA, documentation
]
GLOBAL = ["8.8.8.8", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.253.255.255",
          "2606:4700::1111", "::ffff:8.8.8.8", PUBLIC]


def literal(ip: str) -> str:
    return f"https://[{ip}]/hook" if ":" in ip else f"https://{ip}/hook"


@pytest.mark.parametrize("ip", FORBIDDEN)
def test_a_non_global_address_is_not_a_target(ip):
    with pytest.raises(InvalidInput) as exc:
        wh.controleer_url(literal(ip))
    assert exc.value.field == "url" and "not a webhook target" in exc.value.detail


@pytest.mark.parametrize("ip", GLOBAL)
def test_a_global_address_is_a_target(ip):
    assert wh.controleer_url(literal(ip)) == literal(ip)


@pytest.mark.parametrize("ip,soort", [("127.0.0.1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
                                      ("10.1.2.3", "private"), ("169.254.169.254", "link-local"),
                                      ("100.64.0.1", "shared (100.64.0.0/10)"), ("224.0.0.1", "multicast"),
                                      ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved")])
def test_the_reason_names_the_kind_of_address(ip, soort):
    assert wh.verboden_adres(ip) == f"{'an' if soort[0] in 'aeiou' else 'a'} {soort} address"


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "api.localhost", "2130706433", "127.1",
                                  "0x7f000001", "0x7f.0.0.1", "intranet", "gi_wss.example", "-gi.example"])
def test_loopback_names_numeric_forms_and_single_label_names_are_refused(host):
    with pytest.raises(InvalidInput) as exc:
        wh.controleer_url(f"https://{host}/hook")
    assert exc.value.field == "url"


@pytest.mark.parametrize("url,reason", [
    ("http://gi.example/hook", "https"),
    ("https://user:pw@gi.example/hook", "user name or password"),
    ("https://token@gi.example/hook", "user name or password"),
    ("https://gi.example:0/hook", "port"),
    ("https://gi.example:70000/hook", "port"),
    ("https://gi.example/hook#frag", "fragment"),
    ("https://gi.example/ho ok", "control"),
    ("https://gi.example/hook\n", None),  # surrounding whitespace is stripped: accepted
    ("ftp://gi.example/hook", "https"),
    ("https://[::1/hook", "https"),
])
def test_the_shape_of_the_url(url, reason):
    if reason is None:
        assert wh.controleer_url(url) == url.strip()
        return
    with pytest.raises(InvalidInput) as exc:
        wh.controleer_url(url)
    assert exc.value.field == "url" and reason in exc.value.detail


def test_http_and_private_targets_only_with_the_development_settings():
    with pytest.raises(InvalidInput):
        wh.controleer_url("http://gi.example/hook")
    assert wh.controleer_url("http://gi.example/hook", wh.Doelbeleid(allow_http=True))
    for url in ("https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.1/hook",
                "https://[::ffff:127.0.0.1]/hook", "https://100.64.0.1/hook"):
        with pytest.raises(InvalidInput):
            wh.controleer_url(url, wh.Doelbeleid(allow_http=True))
        assert wh.controleer_url(url, DEV) == url


@pytest.mark.parametrize("ip", ["169.254.169.254", "224.0.0.1", "0.0.0.0", "240.0.0.1", "fe80::1"])
def test_even_the_development_setting_never_allows_metadata_multicast_or_unspecified(ip):
    with pytest.raises(InvalidInput):
        wh.controleer_url(literal(ip), DEV)


def test_any_forbidden_address_among_the_resolved_refuses_the_target():
    wh.controleer_adressen("gi.example", [PUBLIC, "8.8.8.8"])
    with pytest.raises(InvalidInput) as exc:
        wh.controleer_adressen("gi.example", [PUBLIC, "10.0.0.7"])
    assert "10.0.0.7" in exc.value.detail and "private" in exc.value.detail
    with pytest.raises(InvalidInput):
        wh.controleer_adressen("gi.example", [])


# --- resolution and delivery (adapter) ----------------------------------------------------------

def hosts(table: dict[str, list[str]]):
    """A hosts-file resolver: name -> addresses; it counts its lookups."""
    async def resolve(host, port):
        resolve.lookups.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]
    resolve.lookups = []
    return resolve


class Recorder(httpx.AsyncBaseTransport):
    """Answers every request with `answer` and remembers what was sent."""

    def __init__(self, answer=lambda request: httpx.Response(204)):
        self.requests: list[httpx.Request] = []
        self.answer = answer

    async def handle_async_request(self, request):
        self.requests.append(request)
        return self.answer(request)


async def test_a_name_resolving_to_loopback_is_refused():
    with pytest.raises(InvalidInput) as exc:
        await controleer_doel("https://rebind.example/hook", wh.STRIKT,
                              hosts({"rebind.example": ["127.0.0.1"]}))
    assert exc.value.field == "url" and "127.0.0.1" in exc.value.detail and "loopback" in exc.value.detail


async def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(InvalidInput) as exc:
        await controleer_doel("https://nowhere.example/hook", wh.STRIKT, hosts({}))
    assert exc.value.field == "url" and "could not be resolved" in exc.value.detail


async def test_the_delivery_goes_to_the_checked_address_with_the_name_in_host_and_sni():
    transport = Recorder()
    resolve = hosts({"gi.example": [PUBLIC, "2606:4700::1111"]})
    async with WebhookClient(5, transport=transport, resolve=resolve) as client:
        assert await client.post("https://gi.example:8443/hook?x=1", b"{}", {"webhook-id": "e"}) is None
    (request,) = transport.requests
    assert request.url == httpx.URL(f"https://{PUBLIC}:8443/hook?x=1")
    assert request.headers["host"] == "gi.example:8443"
    assert request.extensions["sni_hostname"] == "gi.example"  # and so the certificate is checked for it
    assert request.headers["webhook-id"] == "e" and resolve.lookups == ["gi.example"]


async def test_a_target_that_now_resolves_to_loopback_is_refused_at_delivery_and_not_sent():
    """DNS rebinding: public at registration, 127.0.0.1 at delivery."""
    table = {"rebind.example": [PUBLIC]}
    await controleer_doel("https://rebind.example/hook", wh.STRIKT, hosts(table))  # registration passes
    table["rebind.example"] = [PUBLIC, "127.0.0.1"]
    transport = Recorder()
    async with WebhookClient(5, transport=transport, resolve=hosts(table)) as client:
        fout = await client.post("https://rebind.example/hook", b"{}", {})
    assert fout.startswith("refused: ") and "127.0.0.1" in fout and "loopback" in fout
    assert transport.requests == []


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://[::ffff:127.0.0.1]/hook",
                                 "https://169.254.169.254/latest/meta-data/", "https://localhost/hook",
                                 "http://gi.example/hook"])
async def test_a_forbidden_target_stored_earlier_is_refused_at_delivery(url):
    transport = Recorder()
    async with WebhookClient(5, transport=transport, resolve=hosts({"gi.example": [PUBLIC]})) as client:
        assert (await client.post(url, b"{}", {})).startswith("refused: ")
    assert transport.requests == []


async def test_a_redirect_is_not_followed():
    transport = Recorder(lambda request: httpx.Response(
        307, headers={"location": "http://169.254.169.254/latest/meta-data/"}))
    async with WebhookClient(5, transport=transport, resolve=hosts({"gi.example": [PUBLIC]})) as client:
        fout = await client.post("https://gi.example/hook", b"{}", {})
    assert fout == "HTTP 307: redirect to http://169.254.169.254/latest/meta-data/ not followed"
    assert len(transport.requests) == 1


async def test_an_endless_answer_is_read_only_up_to_the_bound():
    async def endless():
        while True:
            yield b"x" * 1024
            await asyncio.sleep(0)

    transport = Recorder(lambda request: httpx.Response(500, content=endless()))
    async with WebhookClient(2, transport=transport, resolve=hosts({"gi.example": [PUBLIC]})) as client:
        fout = await client.post("https://gi.example/hook", b"{}", {})
    assert fout == "HTTP 500: " + "x" * 200


async def test_the_whole_attempt_is_bounded_by_the_timeout_lookup_included():
    async def hanging(host, port):
        await asyncio.sleep(3600)

    async with WebhookClient(0.2, transport=Recorder(), resolve=hanging) as client:
        assert await client.post("https://gi.example/hook", b"{}", {}) == "no answer within 0.2 s"


# --- registration (service layer) ---------------------------------------------------------------

class Repository(WebhookRepository):
    def __init__(self):
        super().__init__(None)
        self.added = []

    async def add(self, webhook, box):
        self.added.append(webhook)


class UnitOfWork(InMemoryTransaction, CaseregieUnitOfWork):
    def __init__(self, **settings):
        super().__init__("caseregie", CaseregieSettings(webhook_secret_key=Fernet.generate_key().decode(),
                                                        **settings), pinned())

    def bind(self, session) -> None:
        self.webhooks = Repository()


async def register(uow: UnitOfWork, url: str, resolve):
    bus = bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, resolve=resolve,
                             webhook_client=WebhookClient)
    return await bus.handle(RegisterWebhook(GI.WSS, url))


@pytest.mark.parametrize("url,table", [
    ("https://127.0.0.1/hook", {}),
    ("http://gi.example/hook", {"gi.example": [PUBLIC]}),
    ("https://rebind.example/hook", {"rebind.example": ["127.0.0.1"]}),
    ("https://split.example/hook", {"split.example": [PUBLIC, "192.168.1.10"]}),
])
async def test_registration_refuses_a_forbidden_target_naming_url(url, table):
    uow = UnitOfWork()
    with pytest.raises(InvalidInput) as exc:
        await register(uow, url, hosts(table))
    assert exc.value.field == "url" and uow.webhooks.added == []


async def test_registration_with_the_development_settings_accepts_a_local_receiver():
    uow = UnitOfWork(webhook_allow_http=True, webhook_allow_private=True)
    hook = await register(uow, "http://127.0.0.1:9999/hook", hosts({}))
    assert uow.webhooks.added == [hook]


# --- secrets at rest ----------------------------------------------------------------------------

def test_a_secret_is_encrypted_and_opens_with_any_of_the_keys():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secret = wh.nieuw_geheim()
    token = SecretBox([old]).encrypt(secret)
    assert secret not in token and secret.removeprefix("whsec_") not in token
    rotated = SecretBox([new, old])
    assert rotated.decrypt(token) == secret
    assert SecretBox([new]).decrypt(rotated.encrypt(secret)) == secret  # the first key encrypts
    assert SecretBox([new]).decrypt(token) is None


def test_a_key_setting_that_is_not_a_fernet_key_is_an_error():
    with pytest.raises(ValueError, match="CASEREGIE_WEBHOOK_SECRET_KEY"):
        SecretBox(["my-passphrase"])


def test_without_a_key_setting_a_development_key_is_created_once_under_the_data_dir(tmp_path):
    client_module._box.cache_clear()
    settings = CaseregieSettings(data_dir=str(tmp_path / "caseregie"))
    token = secret_box(settings).encrypt("whsec_x")
    key_file = tmp_path / "caseregie" / "webhook-secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text()
    client_module._box.cache_clear()  # another process: reads the same file, makes no new key
    assert secret_box(settings).decrypt(token) == "whsec_x" and key_file.read_text() == key
    assert SecretBox([key]).decrypt(token) == "whsec_x"
    assert [p.name for p in key_file.parent.iterdir()] == ["webhook-secret.key"]


def test_the_development_key_is_not_created_before_a_secret_needs_it(tmp_path):
    client_module._box.cache_clear()
    box = secret_box(CaseregieSettings(data_dir=str(tmp_path / "caseregie")))
    assert not (tmp_path / "caseregie").exists()  # a delivery round with nothing due writes nothing
    box.encrypt("whsec_x")
    assert (tmp_path / "caseregie" / "webhook-secret.key").exists()
