"""The rendered KafkaTopics are the topic plan (contracts/topics.py) and the KafkaUsers' ACLs let
each service read what its handlers consume and write what it publishes, nothing more; what a
service publishes (deploy/k8s/generate.py, PRODUCES) is checked against its code."""
import ast
import importlib
from pathlib import Path

import pytest
import yaml

from contracts import events
from contracts import topics as plan
from deploy.k8s import generate
from tests.deploy.tools import OVERLAYS, ROOT, of_kind, rendered

SERVICES = generate.SERVICES
CONTRACT_EVENTS = {name: cls for name, cls in vars(events).items()
                   if isinstance(cls, type) and issubclass(cls, events.Event) and cls is not events.Event}


def test_generated_files_are_fresh():
    stale = [str(p.relative_to(ROOT)) for p, text in generate.files().items()
             if not p.exists() or p.read_text() != text]
    assert not stale, "stale: run `make contracts` (python -m deploy.k8s.generate)"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_topics_are_the_plan(overlay):
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind(rendered(overlay), "KafkaTopic").values()}
    expected = {t.name: (t.partitions, t.config) for t in (*plan.TOPICS, plan.BROKER_MARK)}
    expected |= {plan.dead_letter_topic(s): (plan.DEAD_LETTER_PARTITIONS, plan.DEAD_LETTER_CONFIG)
                 for s in SERVICES}
    assert {name: (spec["partitions"], spec["config"]) for name, spec in topics.items()} == expected
    assert all("replicas" not in spec for spec in topics.values()), "replication is the cluster's"
    kafka = of_kind(rendered(overlay), "Kafka")["jbketen"]["spec"]["kafka"]
    assert kafka["config"]["auto.create.topics.enable"] is False


def _operations(user: dict, kind: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        if acl["resource"]["type"] == kind:
            assert acl["resource"]["patternType"] == "literal"
            found.setdefault(acl["resource"]["name"], set()).update(acl["operations"])
    return found


def _with(operations: dict[str, set[str]], operation: str) -> set[str]:
    return {name for name, ops in operations.items() if operation in ops}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_reads_and_writes_only_its_own_topics(service):
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    user = of_kind(rendered("prod"), "KafkaUser")[service]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    topics = _operations(user, "topic")
    names = {t["spec"]["topicName"] for t in of_kind(rendered("prod"), "KafkaTopic").values()}
    assert set(topics) <= names, "an ACL on a topic outside the plan"
    assert _with(topics, "Read") == set(spec.topics) | {plan.BROKER_MARK.name}
    produced = {t.name for t in generate.PRODUCES[service]}
    assert _with(topics, "Write") == produced | {plan.dead_letter_topic(service), plan.BROKER_MARK.name}
    assert {op for ops in topics.values() for op in ops} <= {"Read", "Write", "Describe"}
    assert _operations(user, "group") == {service: {"Read", "Describe"}}, "its own consumer group only"
    assert not _operations(user, "cluster") and not _operations(user, "transactionalId")


def test_keda_only_describes_the_groups_and_their_topics():
    user = of_kind(rendered("prod"), "KafkaUser")[generate.KEDA_USER]
    assert {op for ops in _operations(user, "topic").values() for op in ops} == {"Describe"}
    assert _operations(user, "group") == {s: {"Describe"} for s in SERVICES}


def test_the_users_are_the_ones_the_services_log_in_as():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    users = of_kind(rendered("prod"), "KafkaUser")
    settings = of_kind(rendered("prod"), "ConfigMap")
    for service in SERVICES:
        assert compose["services"][service]["environment"]["KAFKA_SASL_USERNAME"] == service
        username = settings[f"{service}-settings"]["data"]["KAFKA_SASL_USERNAME"]
        assert username in users and username == service
        pod = of_kind(rendered("prod"), "Deployment")[service]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        env = container["env"]
        [password] = [e for e in env if e["name"] == "KAFKA_SASL_PASSWORD"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": username, "key": "password"}, \
            "the Secret Strimzi's user operator makes for the user"


def _constructed(service: str) -> set[str]:
    """The contract events (or the domain's events of the same name) the service's code makes."""
    found = set()
    for path in Path(ROOT, "services", service).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in CONTRACT_EVENTS:
                    found.add(name)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_the_declared_produced_topics_are_the_code(service):
    declared = {t.name for t in generate.PRODUCES[service]}
    made = {CONTRACT_EVENTS[name].topic.name for name in _constructed(service)}
    assert made == declared, f"{service} makes events for {made}; generate.PRODUCES says {declared}"
    try:
        wire = importlib.import_module(f"services.{service}.adapters.wire")
    except ModuleNotFoundError:
        return  # publishes the contract events themselves (the scan above)
    assert {cls.topic.name for cls in wire.CONTRACTS.values()} == declared


@pytest.mark.parametrize("service", SERVICES)
def test_scaling_follows_the_consumed_topics(service):
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    partitions = {t.name: t.partitions for t in plan.TOPICS}
    for overlay in OVERLAYS:
        scaled = of_kind(rendered(overlay), "ScaledObject")[service]["spec"]
        triggers = scaled["triggers"]
        assert {t["metadata"]["topic"] for t in triggers} == set(spec.topics)
        assert {t["type"] for t in triggers} == {"kafka"}
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {service}
        assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
        assert scaled["maxReplicaCount"] <= min(partitions[t] for t in spec.topics)
        assert scaled["scaleTargetRef"]["name"] == service
