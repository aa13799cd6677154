"""docker-compose.yml runs the five services against Kafka, PostgreSQL, Keycloak and Jaeger: each
service trusts the Keycloak realm's tokens, connects to its own database as its own role over TLS
and to Kafka as its own SASL/SCRAM user. No Docker engine here: the file is parsed, interpolated as
compose does (`${VAR:-default}`, `$$`), and its shell snippets are run against stand-ins."""
import os
import re
import stat
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from runtime import db, kafka
from runtime.ports import DEFAULT_PORTS
from runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = DEFAULT_PORTS
ISSUER = "http://keycloak:8080/realms/jbketen"
VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::-([^}]*))?\}")


def interpolate(value, env: dict | None = None) -> str:
    """As docker compose does with the variables unset (or set in `env`)."""
    env = env or {}
    return VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1)) or m.group(2) or "",
                        str(value))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_of(compose, name: str) -> dict[str, str]:
    return {k: interpolate(v) for k, v in compose["services"][name]["environment"].items()}


def pairs(value: str) -> dict[str, str]:
    """'a:x b:y' -> {'a': 'x', 'b': 'y'}, as the init scripts split them."""
    return dict(entry.split(":", 1) for entry in value.split())


def test_infrastructure_services_exist(compose):
    services = compose["services"]
    for name in ("kafka", "postgres", "jaeger", "keycloak"):
        assert name in services, f"no {name} service"
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "true"
    assert "kafka:9092" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_runs_on_its_port_with_its_own_database(compose, name, port):
    service = compose["services"].get(name)
    assert service, f"no {name} service"
    assert f"{port}:{port}" in [str(p) for p in service["ports"]]
    env = env_of(compose, name)
    url = make_url(env["DATABASE_URL"])
    assert (url.host, url.database) == ("postgres", f"jbketen_{name}")
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert f"127.0.0.1:{port}/v1/health" in " ".join(service["healthcheck"]["test"])
    for dependency in ("postgres", "kafka", "keycloak"):
        assert service["depends_on"][dependency]["condition"] == "service_healthy", dependency


def test_keycloak_runs_the_realm(compose):
    keycloak = compose["services"]["keycloak"]
    image, _, tag = keycloak["image"].partition(":")
    assert image == "quay.io/keycloak/keycloak" and re.fullmatch(r"\d+\.\d+\.\d+", tag), "pin a release"
    assert keycloak["command"][:1] == ["start-dev"] and "--import-realm" in keycloak["command"]
    mounts = [v.split(":") for v in keycloak["volumes"]]
    [(source, target, *_)] = [m for m in mounts if m[1].startswith("/opt/keycloak/data/import/")]
    assert (ROOT / source).resolve() == ROOT / "deploy" / "keycloak" / "jbketen-realm.json"
    assert target.endswith(".json")
    # The issuer in every token, whichever host name it was fetched through, is the services' issuer.
    env = env_of(compose, "keycloak")
    assert ISSUER.startswith(env["KC_HOSTNAME"] + "/realms/")
    assert env["KC_HEALTH_ENABLED"] == "true" and "/health/ready" in " ".join(keycloak["healthcheck"]["test"])


@pytest.mark.parametrize("name", SERVICES)
def test_service_trusts_the_keycloak_realm(compose, name):
    env = env_of(compose, name)
    assert env["AUTH_ISSUER"] == ISSUER
    assert env["AUTH_AUDIENCE"] == "jbketen"
    assert env["AUTH_JWKS_URL"] == f"{ISSUER}/protocol/openid-connect/certs"
    assert urlsplit(env["AUTH_JWKS_URL"]).hostname == "keycloak"
    assert not env.get("AUTH_JWKS_FILE"), "the development issuer's keys have no place in compose"


@pytest.mark.parametrize("name", SERVICES)
def test_service_connects_to_its_database_as_its_own_role_over_tls(compose, name):
    env, postgres = env_of(compose, name), env_of(compose, "postgres")
    url = make_url(env["DATABASE_URL"])
    roles = pairs(postgres["JBKETEN_DATABASES"])
    assert url.username == name != postgres["POSTGRES_USER"], "a service never connects as the superuser"
    assert url.password == roles[name] and url.password != postgres["POSTGRES_PASSWORD"]
    assert env["DATABASE_SSLMODE"] in ("require", "verify-ca", "verify-full")


def test_postgres_creates_one_role_per_service_and_speaks_tls_only(compose):
    postgres = compose["services"]["postgres"]
    roles = pairs(env_of(compose, "postgres")["JBKETEN_DATABASES"])
    assert set(roles) == set(SERVICES) and len(set(roles.values())) == len(SERVICES)
    [init] = [v.split(":") for v in postgres["volumes"] if ":/docker-entrypoint-initdb.d" in v]
    folder = (ROOT / init[0]).resolve()
    assert folder == ROOT / "deploy" / "postgres"
    scripts = sorted(p.name for p in folder.glob("*.sh"))
    assert scripts == ["init-roles.sh", "tls-only.sh"]  # the image runs them in this order
    for script in scripts:
        assert (folder / script).stat().st_mode & stat.S_IXUSR, f"{script}: executable, or it is sourced"
        subprocess.run(["bash", "-n", str(folder / script)], check=True)
    command = " ".join(postgres["command"])
    assert "ssl=on" in command and "ssl_cert_file=" in command and "ssl_key_file=" in command


def test_kafka_listeners_for_clients_need_sasl(compose):
    env = env_of(compose, "kafka")
    protocols = dict(entry.split(":") for entry in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = dict(entry.split("://") for entry in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(entry.split("://") for entry in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    for listener, address in listeners.items():
        if not protocols[listener].startswith("SASL_"):  # plain only on the container's own loopback
            assert address.startswith("localhost:"), f"{listener} is plain on {address}"
    [clients] = [name for name, address in advertised.items() if address == "kafka:9092"]
    assert protocols[clients].startswith("SASL_")
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert "java.security.auth.login.config=" in env["KAFKA_OPTS"]


@pytest.mark.parametrize("name", SERVICES)
def test_service_connects_to_kafka_as_its_own_scram_user(compose, name):
    env, broker = env_of(compose, name), env_of(compose, "kafka")
    assert env["KAFKA_SECURITY_PROTOCOL"].startswith("SASL_")
    assert env["KAFKA_SASL_MECHANISM"] in broker["KAFKA_SASL_ENABLED_MECHANISMS"].split(",")
    assert env["KAFKA_SASL_USERNAME"] == name
    assert env["KAFKA_SASL_PASSWORD"] == pairs(broker["JBKETEN_KAFKA_USERS"])[name]


@pytest.mark.parametrize("name", SERVICES)
def test_service_settings_from_compose_make_secure_connections(compose, name, monkeypatch):
    """The container's environment, read as the service reads it: SASL/SCRAM kwargs for every
    Kafka client and an SSLContext for asyncpg."""
    for key in list(os.environ):
        if key.startswith(("KAFKA_", "DATABASE_", f"{name.upper()}_")):
            monkeypatch.delenv(key)
    for key, value in env_of(compose, name).items():
        monkeypatch.setenv(key, value)
    settings = ServiceSettings.for_service(name, SERVICES[name])
    security = kafka.security(settings)
    assert security["security_protocol"] == "SASL_PLAINTEXT"
    assert (security["sasl_mechanism"], security["sasl_plain_username"]) == ("SCRAM-SHA-512", name)
    url, tls = db.split_tls(settings.database_url)
    assert tls.sslmode == "require" and "sslmode" not in url.query
    assert db.ssl_connect_args(tls)["ssl"].__class__.__name__ == "SSLContext"


def _stand_ins(tmp_path: Path, describe: str) -> None:
    """A /opt/kafka/bin of scripts that log their arguments (and describe the given users)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "describe.txt").write_text(describe)
    configs = (f'echo "$*" >> {tmp_path}/calls.log\n'
               f'case "$*" in *--describe*) cat {tmp_path}/describe.txt;; esac')
    for tool, body in {"kafka-broker-api-versions.sh": "exit 0", "kafka-configs.sh": configs}.items():
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)


def _run(script: str, tmp_path: Path, env: dict) -> subprocess.CompletedProcess:
    script = script.replace("/opt/kafka/bin/", f"{tmp_path}/bin/")
    script = script.replace("/tmp/kafka_server_jaas.conf", f"{tmp_path}/jaas.conf")
    script = script.replace("exec /etc/kafka/docker/run", "wait")  # the job, not the broker
    return subprocess.run(["sh", "-c", script], env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=30)


def test_kafka_start_writes_the_jaas_entry_and_adds_every_scram_user(compose, tmp_path):
    env = env_of(compose, "kafka")
    _stand_ins(tmp_path, describe="")
    command = compose["services"]["kafka"]["command"]
    assert command[:2] == ["sh", "-c"]
    result = _run(interpolate(command[2]), tmp_path, {"JBKETEN_KAFKA_USERS": env["JBKETEN_KAFKA_USERS"]})
    assert result.returncode == 0, result.stderr
    assert "ScramLoginModule required" in (tmp_path / "jaas.conf").read_text()
    calls = (tmp_path / "calls.log").read_text().splitlines()
    for user, password in pairs(env["JBKETEN_KAFKA_USERS"]).items():
        assert (f"--bootstrap-server localhost:9094 --alter --entity-type users --entity-name {user} "
                f"--add-config SCRAM-SHA-512=[iterations=8192,password={password}]") in calls


def test_kafka_is_healthy_only_when_every_scram_user_exists(compose, tmp_path):
    env = env_of(compose, "kafka")
    users = pairs(env["JBKETEN_KAFKA_USERS"])
    lines = [f"SCRAM credential configs for user-principal '{u}' are SCRAM-SHA-512=iterations=8192"
             for u in users]
    test = compose["services"]["kafka"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    _stand_ins(tmp_path, describe="\n".join(lines))
    job = {"JBKETEN_KAFKA_USERS": env["JBKETEN_KAFKA_USERS"]}
    assert _run(interpolate(test[1]), tmp_path, job).returncode == 0
    (tmp_path / "describe.txt").write_text("\n".join(lines[:-1]))
    assert _run(interpolate(test[1]), tmp_path, job).returncode != 0
