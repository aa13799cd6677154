"""`kustomize build deploy/k8s/overlays/<overlay>` renders, with kubectl's kustomize v5 and with
Debian's kubectl 1.20 (kustomize v2) alike, and every document validates against its schema: the
Kubernetes API's (strictly: no unknown field) and the Strimzi, CloudNativePG and KEDA CRDs'."""
import copy

import pytest
import yaml

from tests.deploy.tools import (
    K8S,
    OVERLAYS,
    ROOT,
    compose_errors,
    kubectls,
    kustomize,
    model_errors,
    rendered,
    strict_errors,
    without_hash,
)

CRD_GROUPS = ("kafka.strimzi.io/", "postgresql.cnpg.io/", "keda.sh/")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_every_part(overlay):
    kinds = {d["kind"] for d in rendered(overlay)}
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
            "Ingress", "Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "ScheduledBackup",
            "Database", "ScaledObject", "TriggerAuthentication"} <= kinds
    namespaces = {d["metadata"].get("namespace") for d in rendered(overlay) if d["kind"] != "Namespace"}
    assert namespaces == {"jbketen"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kustomize_at_hand_renders_the_same(overlay):
    renderers = kubectls()
    if len(renderers) < 2:
        pytest.skip(f"one kustomize here ({renderers[0]})")
    outputs = {k: without_hash(kustomize(K8S / "overlays" / overlay, k)) for k in renderers}
    assert len(set(outputs.values())) == 1, f"the renders differ: {list(outputs)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_document_validates_against_its_schema(overlay):
    documents = rendered(overlay)
    failures = {f"{d['kind']}/{d['metadata']['name']}": errors
                for d, errors in zip(documents, model_errors(documents), strict=True) if errors}
    assert not failures


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_resources_have_no_unknown_fields(overlay, tmp_path):
    core = [d for d in rendered(overlay) if not d["apiVersion"].startswith(CRD_GROUPS)]
    assert strict_errors(yaml.safe_dump_all(core), tmp_path) == []


def _deployment():
    return copy.deepcopy(next(d for d in rendered("prod") if d["kind"] == "Deployment"))


def _first(kind):
    return copy.deepcopy(next(d for d in rendered("prod") if d["kind"] == kind))


def test_the_validation_can_fail(tmp_path):
    """Broken documents of each kind are refused, so a green run means something."""
    wrong_type, missing, unknown_kind = _first("KafkaTopic"), _first("ScaledObject"), _first("Cluster")
    wrong_type["spec"]["partitions"] = "three"
    del missing["spec"]["scaleTargetRef"]
    unknown_kind["apiVersion"] = "postgresql.cnpg.io/v2"
    user, database, deployment = _first("KafkaUser"), _first("Database"), _deployment()
    user["spec"]["authentication"]["type"] = "scram-sha-1"
    del database["spec"]["owner"]
    deployment["spec"]["replicas"] = "2"
    errors = model_errors([wrong_type, missing, unknown_kind, user, database, deployment])
    assert all(errors), errors
    assert "partitions" in errors[0][0] and "scaleTargetRef" in errors[1][0] and "no schema" in errors[2][0]
    typo = _deployment()
    container = typo["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    assert model_errors([typo]) == [None]  # the models allow unknown fields; the strict check does not
    [error] = strict_errors(yaml.safe_dump(typo), tmp_path)
    assert "livenesProbe" in error


def test_compose_file_validates_against_the_compose_specification(tmp_path):
    result = compose_errors(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    broken = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    broken["services"]["intake"]["depends_on"]["kafka"]["condition"] = "service_ready"
    broken["services"]["triage"]["restart"] = 3
    (tmp_path / "compose.yml").write_text(yaml.safe_dump(broken))
    assert compose_errors(tmp_path / "compose.yml").returncode != 0
