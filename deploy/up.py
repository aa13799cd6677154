"""`make up`: the whole chain on this machine, until Ctrl-C.

Uses embedded PostgreSQL and the Tansu broker unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS
point at external servers.
"""
import logging
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.identity import DevIssuer, ensure_dev_issuer
from deploy.stack import (
    ROOT,
    SERVICES,
    Broker,
    Stack,
    embedded_postgres,
    ports_in_use,
    reap_children,
    seed_capacity,
    stop_embedded_postgres,
)

logging.basicConfig(level=logging.INFO, format="%(message)s")
for noisy in ("embedded_postgres", "httpx"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
log = logging.getLogger("jbketen")

PSEUDONYM_KEY_FILE = "pseudonym.key"
# Ctrl-C stops everything within 10 s: the services (uvicorn's SHUTDOWN_GRACE_S of 3 s for
# in-flight requests, then the lifespan shutdown commits the consumers' offsets and sends what the
# outboxes hold) get this long before SIGKILL, then the broker, then the embedded PostgreSQL.
SERVICES_STOP_S = 5.5
BROKER_STOP_S = 1.0
POSTGRES_STOP_S = 2.5


def ensure_pseudonym_key(data: Path) -> str:
    """The stack's pseudonym key: made once (48 random bytes, URL-safe text) in <data>/pseudonym.key,
    readable by its owner only, and the same on every later start (the pseudonyms stay stable)."""
    path = data / PSEUDONYM_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def pseudonym_env(data: Path) -> dict[str, str]:
    """PSEUDONYM_KEY for the services: the environment's own when set, else the key under .data/."""
    return {"PSEUDONYM_KEY": os.environ.get("PSEUDONYM_KEY") or ensure_pseudonym_key(data)}


def data_dir() -> Path:
    """Where `make up` keeps its state: JBKETEN_DATA_DIR, else .data/ in the checkout."""
    return Path(os.environ.get("JBKETEN_DATA_DIR") or ROOT / ".data").resolve()


def service_ports() -> dict[str, int]:
    return {name: int(os.environ.get(f"{name.upper()}_PORT", port)) for name, port in SERVICES.items()}


def broker_port() -> int | None:
    """The port of the embedded broker; None when KAFKA_BOOTSTRAP_SERVERS names other brokers."""
    return None if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else int(os.environ.get("BROKER_PORT", "9092"))


def busy_ports(ports: dict[str, int], broker: int | None) -> list[str]:
    """One line per port `make up` needs that another process holds, saying what to set instead."""
    # The services bind HOST / <SERVICE>_HOST (runtime/settings.py), the broker 127.0.0.1.
    hosts = {"127.0.0.1"} | {os.environ.get(f"{name.upper()}_HOST") or os.environ.get("HOST") or "127.0.0.1"
                             for name in ports}
    lines = [f"port {port} ({name}) is in use; set {name.upper()}_PORT to a free port"
             for name, port in ports_in_use(ports, hosts)]
    if broker is not None and ports_in_use({"broker": broker}):
        lines.append(f"port {broker} (Kafka broker) is in use; set BROKER_PORT to a free port, "
                     "or KAFKA_BOOTSTRAP_SERVERS to use that broker")
    return lines


@dataclass
class Launched:
    """What this `make up` started, for stopping it."""

    postgres_dir: Path | None = None
    broker: Broker | None = None
    stack: Stack | None = None


def main() -> None:
    # Ctrl-C and SIGTERM both interrupt whatever runs (starting too); Python would keep SIGINT
    # ignored when it was started with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    ports, broker = service_ports(), broker_port()
    if busy := busy_ports(ports, broker):
        sys.exit("\n".join(busy))  # before anything is started
    launched = Launched()
    try:
        start(launched, data_dir(), ports, broker)
        watch(launched.stack)
    except KeyboardInterrupt:
        pass
    finally:
        stop(launched)


def start(launched: Launched, data: Path, ports: dict[str, int], broker_port: int | None) -> None:
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        log.info("PostgreSQL: external server from DATABASE_URL")
    else:
        launched.postgres_dir = data / "postgres"
        server_url = embedded_postgres(launched.postgres_dir)
        log.info("PostgreSQL: embedded server in %s", launched.postgres_dir)
    if broker_port is None:
        bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        log.info("Kafka: external brokers %s", bootstrap)
    else:
        launched.broker = Broker(broker_port)
        bootstrap = launched.broker.bootstrap
        log.info("Kafka: Tansu broker on %s (in memory; the outboxes are the durable record)", bootstrap)
    stack = launched.stack = Stack(server_url, bootstrap, ports=ports, log_dir=data / "logs",
                                   env=stack_env(data), issuer=dev_issuer(data))
    # A fresh in-memory broker holds none of the history: each service with some finds another mark
    # on it than the one its database kept and, as it starts, queues its whole outbox to be sent
    # again and reads from the beginning (runtime/broker_watch.py), so e.g. a late RvdK subscriber
    # sees every GI's capacity. Nothing to do here.
    stack.start_all()
    seed_capacity(stack)
    stack.check_serving()  # our own processes answered, not others on the same ports
    announce(stack, data)


def stack_env(data: Path) -> dict[str, str]:
    # Demo mode: the RvdK's advice and the court's measure are recorded automatically, so a
    # report flows to a case by itself. AUTO_CONFIRM=false leaves them to the RvdK (API).
    env = {"AUTO_CONFIRM": os.environ.get("AUTO_CONFIRM", "true")}
    # Pseudonyms: a random key made once under .data/ (the services refuse to start without one).
    env.update(pseudonym_env(data))
    # The escalation plan's e-mail: through CAPACITY_SMTP_HOST when set, else written as .eml files
    # under .data/capacity/mail (the mail catcher of `make up`).
    env["CAPACITY_MAIL_MAP"] = os.environ.get("CAPACITY_MAIL_MAP") or str(data / "capacity" / "mail")
    return env


def dev_issuer(data: Path) -> DevIssuer | None:
    """Identity: an OIDC provider when AUTH_JWKS_URL is set (None), else the development issuer,
    whose key pair is made once under .data/identity (tokens: python -m deploy.token --rol ... )."""
    if os.environ.get("AUTH_JWKS_URL"):
        log.info("Identity: OIDC provider %s (JWKS %s)", os.environ.get("AUTH_ISSUER"),
                 os.environ["AUTH_JWKS_URL"])
        return None
    issuer = ensure_dev_issuer(data / "identity")
    log.info("Identity: development issuer, key in %s", issuer.folder)
    return issuer


def announce(stack: Stack, data: Path) -> None:
    log.info("\njbketen is up (logs in %s; auto-confirm %s):", data / "logs", stack.env["AUTO_CONFIRM"])
    for name in SERVICES:
        log.info("  %-10s %s/v1   (OpenAPI: %s/v1/openapi.json)", name, stack.url(name), stack.url(name))
    mail = (f"through {os.environ['CAPACITY_SMTP_HOST']}" if os.environ.get("CAPACITY_SMTP_HOST")
            else f"written to {stack.env['CAPACITY_MAIL_MAP']} (set CAPACITY_SMTP_HOST for a server)")
    log.info("  escalation e-mail %s", mail)
    log.info("\nA token:  .venv/bin/python -m deploy.token --rol gi --organisatie WSS"
             "\nTry:      make demo      (a steady stream of synthetic reports)"
             "\nCtrl-C stops everything.")


def watch(stack: Stack) -> None:
    """Until Ctrl-C / SIGTERM (KeyboardInterrupt): say so when a service's process ends."""
    reported: set[str] = set()
    while True:
        time.sleep(1)
        for service, code in stack.exited().items():
            if service not in reported:
                reported.add(service)
                log.error("%s exited with %s; see %s", service, code, stack.log_dir / f"{service}.log")


def stop(launched: Launched) -> None:
    """Services (in parallel, SIGTERM: in-flight requests finish, offsets are committed), then the
    broker, then the embedded PostgreSQL; a second Ctrl-C does not cut this short."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _still_stopping)
    log.info("stopping...")
    if launched.stack:
        launched.stack.stop_all(timeout=SERVICES_STOP_S)
    if launched.broker:
        launched.broker.stop(timeout=BROKER_STOP_S)
    reap_children()  # one started just as Ctrl-C came, before it was recorded
    if launched.postgres_dir and not stop_embedded_postgres(launched.postgres_dir, POSTGRES_STOP_S):
        log.error("the embedded PostgreSQL in %s still runs", launched.postgres_dir)
        sys.exit(1)
    log.info("stopped.")


def _still_stopping(*_) -> None:
    os.write(sys.stderr.fileno(), b"still stopping (at most 10 s)...\n")


if __name__ == "__main__":
    main()
