"""Every service runs with probes on /v1/health, requests and limits, a PodDisruptionBudget, a
NetworkPolicy with only the architecture's flows and a ScaledObject; the platform parts (Kafka in
KRaft, PostgreSQL with backups, Keycloak with the realm, the collector and Jaeger) are there; no
secret is in the repository, only references to them."""
import json

import pytest

from runtime.ports import DEFAULT_PORTS
from tests.deploy.tools import OVERLAYS, ROOT, of_kind, rendered

SERVICES = tuple(DEFAULT_PORTS)


def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_service_deployment(overlay, service):
    documents = rendered(overlay)
    deployment = of_kind(documents, "Deployment")[service]
    pod = deployment["spec"]["template"]
    [container] = pod["spec"]["containers"]
    [port] = container["ports"]
    assert port["containerPort"] == DEFAULT_PORTS[service]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/v1/health", "port": port["name"]}, probe
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}, kind
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert deployment["spec"]["replicas"] == (2 if overlay == "prod" else 1)
    labels = pod["metadata"]["labels"]
    budgets = of_kind(documents, "PodDisruptionBudget").values()
    [pdb] = [p for p in budgets if _selects(p["spec"]["selector"], labels)]
    assert pdb["spec"]["maxUnavailable"] == 1
    [service_resource] = [s for s in of_kind(documents, "Service").values()
                          if s["spec"]["selector"] == {"app.kubernetes.io/name": service}]
    assert service_resource["spec"]["ports"][0]["port"] == DEFAULT_PORTS[service]


@pytest.mark.parametrize("service", SERVICES)
def test_service_network_policy_allows_only_the_architecture(service):
    documents = rendered("prod")
    labels = of_kind(documents, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]
    policy = of_kind(documents, "NetworkPolicy")[service]["spec"]
    assert _selects(policy["podSelector"], labels) and set(policy["policyTypes"]) == {"Ingress", "Egress"}
    [ingress] = policy["ingress"]
    assert [p["port"] for p in ingress["ports"]] == [DEFAULT_PORTS[service]]
    [controller] = ingress["from"]
    assert controller["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
    targets = {}
    for rule in policy["egress"]:
        for peer in rule["to"]:
            key = json.dumps(peer.get("podSelector") or peer.get("namespaceSelector") or peer.get("ipBlock"))
            targets[key] = sorted(p["port"] for p in rule["ports"])
    expected = {
        json.dumps({"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}): [53, 53],
        json.dumps({"matchLabels": {"cnpg.io/cluster": "jbketen-pg"}}): [5432],
        json.dumps({"matchLabels": {"strimzi.io/cluster": "jbketen", "strimzi.io/kind": "Kafka"}}): [9093],
        json.dumps({"matchLabels": {"app.kubernetes.io/name": "keycloak"}}): [8080],
        json.dumps({"matchLabels": {"app.kubernetes.io/name": "otel-collector"}}): [4318],
    }
    webhooks = {k: v for k, v in targets.items() if "cidr" in k}
    assert {k: v for k, v in targets.items() if k not in webhooks} == expected
    # Only caseregie (the GIs' webhook receivers: https) and capacity (the escalation plan's
    # webhooks and e-mail: https and SMTP submission) call out, never to a private address.
    outbound = {"caseregie": [443], "capacity": [443, 587]}
    assert (webhooks != {}) == (service in outbound)
    for key, ports in webhooks.items():
        assert ports == outbound[service] and "10.0.0.0/8" in json.loads(key)["except"]


def test_ingress_reaches_each_public_api():
    [ingress] = of_kind(rendered("prod"), "Ingress").values()
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {*SERVICES, "keycloak"}


def test_no_secret_in_the_repository():
    """Secrets are referenced by name; they are the platform's or the operators' own."""
    for overlay in OVERLAYS:
        assert not [d for d in rendered(overlay) if d["kind"] == "Secret"]
        text = json.dumps(rendered(overlay))
        for word in ("-dev\"", "password=", "PRIVATE KEY"):
            assert word not in text, word
        for deployment in of_kind(rendered(overlay), "Deployment").values():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                for env in container.get("env", []):
                    secretish = any(w in env["name"] for w in ("PASSWORD", "SECRET", "KEY"))
                    assert not secretish or "valueFrom" in env, f"{env['name']} given as a value"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_runs_in_kraft_with_a_node_pool(overlay):
    documents = rendered(overlay)
    kafka = of_kind(documents, "Kafka")["jbketen"]
    annotations = kafka["metadata"]["annotations"]
    assert annotations == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert "zookeeper" not in kafka["spec"]
    [pool] = of_kind(documents, "KafkaNodePool").values()
    assert set(pool["spec"]["roles"]) == {"broker", "controller"}
    replicas = pool["spec"]["replicas"]
    assert replicas == (3 if overlay == "prod" else 1)
    assert kafka["spec"]["kafka"]["config"]["default.replication.factor"] == replicas
    settings = of_kind(documents, "ConfigMap")["jbketen-settings"]["data"]
    assert int(settings["KAFKA_TOPIC_REPLICATION"]) == replicas
    [listener] = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"
    assert settings["KAFKA_BOOTSTRAP_SERVERS"] == f"jbketen-kafka-bootstrap:{listener['port']}"
    assert settings["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_has_a_database_and_role_per_service_and_backups(overlay):
    documents = rendered(overlay)
    cluster = of_kind(documents, "Cluster")["jbketen-pg"]["spec"]
    roles = {r["name"]: r for r in cluster["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind(documents, "Database").values()}
    for service in SERVICES:
        assert roles[service]["login"] is True
        assert roles[service]["passwordSecret"] == {"name": f"jbketen-db-{service}"}
        assert databases[f"jbketen_{service}"]["owner"] == service
        assert f"hostssl jbketen_{service} {service} all scram-sha-256" in cluster["postgresql"]["pg_hba"]
        env = {e["name"]: e for e in of_kind(documents, "Deployment")[service]["spec"]["template"]["spec"]
               ["containers"][0]["env"]}
        assert env["DATABASE_URL"]["value"].endswith(f"@jbketen-pg-rw:5432/jbketen_{service}")
        password = env["JBKETEN_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": f"jbketen-db-{service}", "key": "password"}
    assert cluster["postgresql"]["pg_hba"][-1] == "host all all all reject"
    store = cluster["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert {ref["name"] for ref in store["s3Credentials"].values()} == {"jbketen-pg-backup-s3"}
    [scheduled] = of_kind(documents, "ScheduledBackup").values()
    assert scheduled["spec"]["cluster"]["name"] == "jbketen-pg"
    assert cluster["instances"] == (3 if overlay == "prod" else 1)


def test_keycloak_imports_the_realm_file_itself():
    documents = rendered("prod")
    [realm] = [c for name, c in of_kind(documents, "ConfigMap").items() if name.startswith("keycloak-realm")]
    realm_file = ROOT / "deploy" / "keycloak" / "jbketen-realm.json"
    assert realm["data"]["jbketen-realm.json"] == realm_file.read_text()
    keycloak = of_kind(documents, "Deployment")["keycloak"]["spec"]["template"]["spec"]
    [container] = keycloak["containers"]
    assert "--import-realm" in container["args"]
    [volume] = [v for v in keycloak["volumes"] if v.get("configMap")]
    assert volume["configMap"]["name"] == realm["metadata"]["name"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == "/opt/keycloak/data/import"
    env = {e["name"]: e.get("value") for e in container["env"]}
    issuer = of_kind(documents, "ConfigMap")["jbketen-settings"]["data"]["AUTH_ISSUER"]
    assert issuer == env["KC_HOSTNAME"] + "/realms/jbketen", "the issuer the tokens name is the services'"


def test_traces_go_through_the_collector_to_jaeger():
    documents = rendered("prod")
    settings = of_kind(documents, "ConfigMap")["jbketen-settings"]["data"]
    assert settings["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    config = of_kind(documents, "ConfigMap")["otel-collector"]["data"]["config.yaml"]
    assert "endpoint: jaeger:4317" in config and "exporters: [otlp/jaeger]" in config
    assert {"otel-collector", "jaeger"} <= set(of_kind(documents, "Deployment"))
    assert {"otel-collector", "jaeger"} <= set(of_kind(documents, "Service"))
