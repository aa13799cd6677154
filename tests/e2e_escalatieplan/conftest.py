"""The chain as processes with an escalation plan of the test's own (a short time to acknowledge),
a signed-webhook receiver and a real SMTP server (aiosmtpd) on 127.0.0.1: its own broker,
databases and stack, so the short times touch no other e2e test."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from deploy.stack import SERVICES, free_port
from runtime.webhooks import nieuw_geheim
from tests.conftest import own_broker, own_databases
from tests.infra import running_stack

kafka_bootstrap = pytest.fixture(scope="package")(own_broker)
database_prefix = pytest.fixture(scope="package")(own_databases)

PLAN_VERSIE = "2099.1"
OPHOGEN_NA_UREN = 0.003  # 10.8 s
SECRETS = {"rvdk": nieuw_geheim(), "JBRR": nieuw_geheim()}
ADRESSEN = {"rvdk": "escalaties@rvdk.example", "WSS": "capaciteit@wss.example", "grjr": "regio@grjr.example"}


def plan() -> dict:
    wachtlijst = "wachtenden_op_urgentie_en_wachtdagen"
    niveau_2 = [{"partij": "rvdk", "kanalen": ["event", "webhook", "email"]},
                {"partij": "JBRR", "kanalen": ["event", "webhook"]},
                {"partij": "WSS", "kanalen": ["event", "email"]},
                {"partij": "LJR", "kanalen": ["event"]},
                {"partij": "grjr", "kanalen": ["event", "email"]}]
    return {"versie": PLAN_VERSIE, "geldig_vanaf": "2026-01-01",
            "omschrijving": "Escalatieplan van de e2e-test.",
            "niveaus": [
                {"niveau": 1, "ophogen_na_uren": OPHOGEN_NA_UREN, "maatregelen": [], "ontvangers": [
                    {"partij": "rvdk", "kanalen": ["event", "webhook"]},
                    {"partij": "JBRR", "kanalen": ["event", "webhook"]},
                    {"partij": "WSS", "kanalen": ["event", "email"]},
                    {"partij": "LJR", "kanalen": ["event"]}]},
                {"niveau": 2, "ophogen_na_uren": None, "ontvangers": niveau_2,
                 "maatregelen": [wachtlijst, "grijs_gebied_meeste_vrije_plaatsen"]},
                {"niveau": 3, "ophogen_na_uren": None, "ontvangers": niveau_2,
                 "maatregelen": [wachtlijst, "grijs_gebied_meeste_vrije_plaatsen", "weekcijfer_grjr"]}]}


class Receiver:
    """Webhook deliveries POSTed to 127.0.0.1: (path, headers, raw body), answered 204."""

    def __init__(self):
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, partij: str) -> str:
        return f"http://127.0.0.1:{self.port}/{partij}"


class Mailbox:
    """What the SMTP server accepted: (envelope recipients, message bytes)."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture(scope="package")
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="package")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller
    controller.stop()


@pytest.fixture(scope="package")
def stack(database_server_url, kafka_bootstrap, database_prefix, receiver, mailbox, tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("escalatieplannen")
    (folder / f"{PLAN_VERSIE}.json").write_text(json.dumps(plan()))
    _, controller = mailbox
    env = {
        "AUTO_CONFIRM": "true",
        "CAPACITY_ESCALATIE_WACHTEND_MAX": "1000",  # the escalation here is every GI at its norm
        "CAPACITY_ESCALATIEPLAN_MAP": str(folder),
        "CAPACITY_OPHOGEN_INTERVAL_S": "0.5",
        "CAPACITY_KENNISGEVING_INTERVAL_S": "0.3",
        "CAPACITY_KENNISGEVING_RETRY_BASE_S": "0.3",
        "CAPACITY_ESCALATIE_WEBHOOKS": ",".join(f"{p}={receiver.url(p)}" for p in SECRETS),
        "CAPACITY_ESCALATIE_WEBHOOK_SECRETS": ",".join(f"{p}={s}" for p, s in SECRETS.items()),
        "CAPACITY_ESCALATIE_WEBHOOK_ALLOW_HTTP": "true", "CAPACITY_ESCALATIE_WEBHOOK_ALLOW_PRIVATE": "true",
        "CAPACITY_ESCALATIE_EMAIL": ",".join(f"{p}={a}" for p, a in ADRESSEN.items()),
        "CAPACITY_SMTP_HOST": "127.0.0.1", "CAPACITY_SMTP_PORT": str(controller.port),
    }
    with running_stack(database_server_url, kafka_bootstrap, database_prefix, "e2e-escalatieplan-logs",
                       env) as stack:
        yield stack


@pytest.fixture(scope="package")
async def http(stack):
    clients = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=10) for name in SERVICES}
    yield clients
    for client in clients.values():
        await client.aclose()
