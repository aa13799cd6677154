"""docker-compose.yml runs the five services against Kafka, PostgreSQL and Jaeger."""
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"intake": 8001, "triage": 8002, "caseregie": 8003, "capacity": 8004, "reporting": 8005}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_infrastructure_services_exist(compose):
    services = compose["services"]
    for name in ("kafka", "postgres", "jaeger"):
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
    env = service["environment"]
    url = make_url(env["DATABASE_URL"])
    assert (url.host, url.database) == ("postgres", f"jbketen_{name}")
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert f"127.0.0.1:{port}/v1/health" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
