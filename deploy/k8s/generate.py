"""The Kubernetes resources that follow from the code: the topic plan's KafkaTopics, each service's
KafkaUser with its ACLs, and the five services' Deployments, Services, PodDisruptionBudgets,
NetworkPolicies and KEDA ScaledObjects.

    python -m deploy.k8s.generate          # rewrite deploy/k8s/base/generated/*.yaml
    python -m deploy.k8s.generate --check  # exit 1 when the checked-in files are stale

What a service consumes is its ServiceSpec's `topics` (the events its handlers take); what it
produces is declared once, in PRODUCES below, and tests/deploy checks that declaration against the
code (the contract events each service's wire.CONTRACTS maps to, and the events its code makes).
"""
import importlib
import sys
from functools import cache
from pathlib import Path

import yaml

from contracts import topics as plan
from runtime.ports import DEFAULT_PORTS
from runtime.service import ServiceSpec

HERE = Path(__file__).parent
GENERATED = HERE / "base" / "generated"
SERVICES = tuple(DEFAULT_PORTS)
KAFKA_CLUSTER = "jbketen"  # the Strimzi Kafka resource (base/kafka/kafka.yaml)
POSTGRES_CLUSTER = "jbketen-pg"  # the CloudNativePG Cluster (base/postgres/cluster.yaml)
PART_OF = "jbketen"
# KEDA's own user: it reads the consumer groups' lag, nothing else.
KEDA_USER = "keda"

# The topics each service publishes its events to (its outbox relay writes them). Checked against
# the code by tests/deploy/test_topics_and_acls.py.
PRODUCES: dict[str, tuple[plan.Topic, ...]] = {
    "intake": (plan.MELDINGEN,),
    "triage": (plan.TRIAGE, plan.ADVIEZEN, plan.CONSULTATIES, plan.REGELSETS),
    "caseregie": (plan.CASUSSEN,),
    "capacity": (plan.CAPACITY_SIGNALS, plan.ESCALATIES),
    "reporting": (),
}

# Resources per replica, from the figures on the reference machine (README, "Figures on the
# reference machine", 2026-12-02, `make bench-chain`): the five services together 542 MB resident at
# rest and 601 MB under the heaviest load (about 110-120 MB each), idle 0.5-0.7 % of a core each,
# and the whole chain saturating two cores at about 30 reports/s (38-88 ms CPU per report for the
# whole stack). Requests: the resident figure with a margin and a fifth of a core; limits: about
# three times the resident figure (a batch of 500 records, the rebuild) and one core. Reporting
# rebuilds its projections in REBUILD_WORKERS=2 worker processes beside its own (together at most
# 749-800 MB at a million reports), and computes the answers of GET /v1/kpis in one more (its
# suppression family at that size besides): half as much again.
RESOURCES = {
    "default": {"requests": {"cpu": "200m", "memory": "160Mi"}, "limits": {"cpu": "1", "memory": "384Mi"}},
    "reporting": {"requests": {"cpu": "200m", "memory": "384Mi"}, "limits": {"cpu": "1", "memory": "1536Mi"}},
}
# The busiest consumer groups' lag at which KEDA adds a replica (records not yet read per partition):
# one consumer batch (CONSUMER_BATCH_SIZE, 500) waiting.
LAG_THRESHOLD = 500
MIN_REPLICAS = 2


@cache
def spec(service: str) -> ServiceSpec:
    return importlib.import_module(f"services.{service}.bootstrap").SPEC


def consumed(service: str) -> list[str]:
    return spec(service).topics


def produced(service: str) -> list[str]:
    return sorted(t.name for t in PRODUCES[service])


def group(service: str) -> str:
    """The consumer group: KAFKA_GROUP_ID, empty by default, which means the service's name."""
    return service


def plan_topics() -> list[tuple[str, int, dict[str, str]]]:
    """Every topic of the plan: the event topics, the broker's mark, each service's dead letters."""
    topics = [(t.name, t.partitions, dict(t.config)) for t in (*plan.TOPICS, plan.BROKER_MARK)]
    topics += [(plan.dead_letter_topic(s), plan.DEAD_LETTER_PARTITIONS, dict(plan.DEAD_LETTER_CONFIG))
               for s in SERVICES]
    return topics


def max_replicas(service: str) -> int:
    """No more replicas than the fewest partitions of a topic the service consumes: a replica
    beyond that would get no partition."""
    partitions = {name: count for name, count, _ in plan_topics()}
    return min(partitions[name] for name in consumed(service))


def labels(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": PART_OF}


def kafka_topics() -> list[dict]:
    # No replicas: the cluster's default.replication.factor (3 in prod, 1 in dev) decides.
    return [{"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
             "metadata": {"name": name.replace(".", "-"), "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
             "spec": {"topicName": name, "partitions": partitions, "config": config}}
            for name, partitions, config in plan_topics()]


def _acl(kind: str, name: str, operations: set[str]) -> dict:
    return {"resource": {"type": kind, "name": name, "patternType": "literal"},
            "operations": sorted(operations), "host": "*"}


def acls(service: str) -> list[dict]:
    """Read what it consumes (in its own group), write what it produces and its dead letters, read
    and write the broker's mark (broker_watch); Describe on the rest of the plan, so that the topic
    check at start (runtime.kafka.ensure_topics lists the plan) sees them and creates nothing."""
    operations: dict[str, set[str]] = {name: {"Describe"} for name, _, _ in plan_topics()}
    for name in consumed(service):
        operations[name] |= {"Read"}
    for name in (*produced(service), plan.dead_letter_topic(service)):
        operations[name] |= {"Write"}
    operations[plan.BROKER_MARK.name] |= {"Read", "Write"}
    return ([_acl("topic", name, ops) for name, ops in operations.items()]
            + [_acl("group", group(service), {"Read", "Describe"})])


def keda_acls() -> list[dict]:
    """The lag of every service's group on the topics it consumes: Describe only."""
    topics = sorted({name for s in SERVICES for name in consumed(s)})
    return ([_acl("topic", name, {"Describe"}) for name in topics]
            + [_acl("group", group(s), {"Describe"}) for s in SERVICES])


def kafka_user(name: str, user_acls: list[dict]) -> dict:
    # The operator makes the Secret `name` (key `password`) that the service's pods reference.
    return {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
            "metadata": {"name": name, "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
            "spec": {"authentication": {"type": "scram-sha-512"},
                     "authorization": {"type": "simple", "acls": user_acls}}}


def kafka_users() -> list[dict]:
    return [kafka_user(s, acls(s)) for s in SERVICES] + [kafka_user(KEDA_USER, keda_acls())]


def _secret_env(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


# Settings of one service only (the shared ones are in the ConfigMap jbketen-settings,
# base/settings.yaml): its ConfigMap <service>-settings, and in the Deployment only what comes from
# a Secret. Secrets only by reference: they are the platform's or the operators' (see README).
def service_settings(service: str) -> dict[str, str]:
    settings = {"SERVICE": service,  # the image's selector (Dockerfile)
                "PORT": str(DEFAULT_PORTS[service]),
                "KAFKA_SASL_USERNAME": service}  # its KafkaUser
    if service == "triage":
        settings["AUTO_CONFIRM"] = "false"  # the RvdK confirms (dev overlay: true, as `make up`)
    if service == "capacity":  # who the escalation plan tells, and how: the region's to fill in
        settings |= {"CAPACITY_ESCALATIE_WEBHOOKS": "", "CAPACITY_ESCALATIE_EMAIL": "",
                     "CAPACITY_SMTP_HOST": "", "CAPACITY_SMTP_PORT": str(SMTP_SUBMISSION),
                     "CAPACITY_SMTP_STARTTLS": "true", "CAPACITY_SMTP_USERNAME": ""}
    return settings


def config_map(service: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{service}-settings", "labels": labels(service, "service")},
            "data": service_settings(service)}


def service_env(service: str) -> list[dict]:
    env = [
        # Only to build DATABASE_URL from (no setting of its own): the role's password, URL-safe.
        _secret_env("JBKETEN_DATABASE_PASSWORD", f"jbketen-db-{service}", "password"),
        {"name": "DATABASE_URL", "value": f"postgresql://{service}:$(JBKETEN_DATABASE_PASSWORD)@"
                                          f"{POSTGRES_CLUSTER}-rw:5432/jbketen_{service}"},
        _secret_env("KAFKA_SASL_PASSWORD", service, "password"),  # made by Strimzi's user operator
    ]
    if service in ("intake", "caseregie"):
        env.append(_secret_env("PSEUDONYM_KEY", "jbketen-pseudonym-key", "key"))
    if service == "caseregie":
        env.append(_secret_env("CASEREGIE_WEBHOOK_SECRET_KEY", "jbketen-webhook-secret-key", "key"))
    if service == "capacity":  # the escalation plan's webhooks and e-mail (services/capacity)
        env += [_secret_env("CAPACITY_ESCALATIE_WEBHOOK_SECRETS", "jbketen-escalatie-webhooks", "secrets"),
                _secret_env("CAPACITY_SMTP_PASSWORD", "jbketen-smtp", "password")]
    return env


def container(service: str) -> dict:
    """The service's container: its settings, probes on /v1/health, resources, read-only and unprivileged."""
    port = DEFAULT_PORTS[service]
    probe = {"httpGet": {"path": "/v1/health", "port": "http"}, "timeoutSeconds": 4}
    return {
        "name": service, "image": "jbketen",
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": "jbketen-settings"}},
                    {"configMapRef": {"name": f"{service}-settings"}}],
        "env": service_env(service),
        "resources": RESOURCES.get(service, RESOURCES["default"]),
        # Migrations, topics and the catch-up run before the service answers: up to 2 minutes.
        "startupProbe": {**probe, "periodSeconds": 5, "failureThreshold": 24},
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
        # Down for a minute (database unreachable, a task dead, out of its group): restart.
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 6},
        "volumeMounts": [{"name": "kafka-ca", "mountPath": "/etc/jbketen/kafka-ca", "readOnly": True},
                         {"name": "postgres-ca", "mountPath": "/etc/jbketen/postgres-ca", "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }


def deployment(service: str) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": service, "labels": labels(service, "service")},
        "spec": {
            "replicas": MIN_REPLICAS,
            "selector": {"matchLabels": {"app.kubernetes.io/name": service}},
            "template": {
                "metadata": {"labels": labels(service, "service")},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    # Open streams get SHUTDOWN_GRACE_S (3 s), then the consumer's last batch commits.
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container(service)],
                    "volumes": [
                        {"name": "kafka-ca", "secret": {"secretName": f"{KAFKA_CLUSTER}-cluster-ca-cert",
                                                        "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {"name": "postgres-ca", "secret": {"secretName": f"{POSTGRES_CLUSTER}-ca",
                                                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                    "topologySpreadConstraints": [{
                        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": service}}}],
                },
            },
        },
    }


def service_resource(service: str) -> dict:
    port = DEFAULT_PORTS[service]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": service, "labels": labels(service, "service")},
            "spec": {"selector": {"app.kubernetes.io/name": service},
                     "ports": [{"name": "http", "port": port, "targetPort": "http"}]}}


def pdb(service: str) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": service, "labels": labels(service, "service")},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": service}}}}


def _pods(**match: str) -> dict:
    return {"podSelector": {"matchLabels": match}}


def _namespace(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


SMTP_SUBMISSION = 587
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8")
# Who calls out of the cluster, on which ports: caseregie the GIs' webhook receivers (https);
# capacity the escalation plan's parties (signed webhooks over https, e-mail by SMTP submission).
OUTBOUND = {"caseregie": (443,), "capacity": (443, SMTP_SUBMISSION)}


def network_policy(service: str) -> dict:
    """In: the ingress controller, and the service's own replicas' neighbours in the chain only
    through Kafka (no service calls another over HTTP). Out: DNS, its database cluster, Kafka,
    Keycloak's keys, the collector; caseregie and capacity also their receivers outside (OUTBOUND)."""
    egress = [
        {"to": [_namespace("kube-system")],
         "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
        {"to": [_pods(**{"cnpg.io/cluster": POSTGRES_CLUSTER})],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [_pods(**{"strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/kind": "Kafka"})],
         "ports": [{"protocol": "TCP", "port": 9093}]},
        {"to": [_pods(**{"app.kubernetes.io/name": "keycloak"})],
         "ports": [{"protocol": "TCP", "port": 8080}]},
        {"to": [_pods(**{"app.kubernetes.io/name": "otel-collector"})],
         "ports": [{"protocol": "TCP", "port": 4318}]},
    ]
    if service in OUTBOUND:  # public addresses only, never a private one
        egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE)}}],
                       "ports": [{"protocol": "TCP", "port": p} for p in OUTBOUND[service]]})
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": service, "labels": labels(service, "service")},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": service}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{**_namespace("ingress-nginx"),
                                   **_pods(**{"app.kubernetes.io/name": "ingress-nginx"})}],
                         "ports": [{"protocol": "TCP", "port": DEFAULT_PORTS[service]}]}],
            "egress": egress,
        },
    }


def scaled_object(service: str) -> dict:
    """Scale on the lag of the service's consumer group, one trigger per consumed topic (KEDA
    scales to the largest), between MIN_REPLICAS and the partitions."""
    triggers = [{"type": "kafka", "name": topic.replace(".", "-"),
                 "authenticationRef": {"name": "jbketen-kafka"},
                 "metadata": {"bootstrapServers": f"{KAFKA_CLUSTER}-kafka-bootstrap:9093",
                              "consumerGroup": group(service), "topic": topic,
                              "lagThreshold": str(LAG_THRESHOLD), "offsetResetPolicy": "earliest",
                              "sasl": "scram_sha512", "username": KEDA_USER, "tls": "enable"}}
                for topic in consumed(service)]
    return {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": service, "labels": labels(service, "service")},
            "spec": {"scaleTargetRef": {"name": service}, "minReplicaCount": MIN_REPLICAS,
                     "maxReplicaCount": max_replicas(service), "pollingInterval": 15,
                     "cooldownPeriod": 300, "triggers": triggers}}


def ingress() -> dict:
    """One host per public API, and Keycloak's (set the hosts to the platform's)."""
    rules = [{"host": f"{s}.jbketen.example", "http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": s, "port": {"name": "http"}}}}]}} for s in SERVICES]
    # Keycloak's logins and tokens: the issuer's public name (KC_HOSTNAME, prod overlay).
    rules.append({"host": "login.jbketen.example", "http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": "keycloak", "port": {"name": "http"}}}}]}})
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "jbketen-api", "labels": labels("jbketen-api", "ingress")},
            "spec": {"ingressClassName": "nginx", "rules": rules}}


def service_resources() -> list[dict]:
    documents = []
    for s in SERVICES:
        documents += [config_map(s), deployment(s), service_resource(s), pdb(s), network_policy(s),
                      scaled_object(s)]
    return [*documents, ingress()]


HEADER = "# Generated by `python -m deploy.k8s.generate` (make contracts) from {}: do not edit.\n"


def _dump(documents: list[dict], source: str) -> str:
    return HEADER.format(source) + "".join(
        "---\n" + yaml.safe_dump(d, sort_keys=False, default_flow_style=False, width=110) for d in documents)


def files() -> dict[Path, str]:
    return {
        GENERATED / "topics.yaml": _dump(kafka_topics(), "contracts/topics.py"),
        GENERATED / "users.yaml": _dump(kafka_users(), "contracts/ and each ServiceSpec"),
        GENERATED / "services.yaml": _dump(service_resources(), "each ServiceSpec and runtime/ports.py"),
    }


def main(argv: list[str]) -> int:
    stale = [path for path, text in files().items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"stale: {path.relative_to(HERE.parents[1])} (run python -m deploy.k8s.generate)")
        return 1 if stale else 0
    GENERATED.mkdir(parents=True, exist_ok=True)
    for path, text in files().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
