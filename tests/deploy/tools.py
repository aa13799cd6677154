"""The tools that render and validate deploy/k8s offline, as `make k8s-tools` installs them
(make test depends on it): kubectl's kustomize, kubernetes-models (deploy/k8s/node_modules),
kubernetes-validate and check-jsonschema (build/k8s-tools)."""
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
TOOLS = ROOT / "build" / "k8s-tools" / "bin"
DEBIAN_KUBECTL = ROOT / "build" / "kubectl" / "usr" / "bin" / "kubectl"
# The Kubernetes release the core resources are validated for (the kubectl here is 1.32).
KUBERNETES_VERSION = "1.32.0"
HINT = "run `make k8s-tools` (make test does)"


def _tool(path: Path) -> str:
    if not path.exists():
        raise RuntimeError(f"{path.relative_to(ROOT)} is missing: {HINT}")
    return str(path)


def kubectls() -> list[str]:
    """Every kubectl with a kustomize at hand: $KUBECTL or the one on PATH, and Debian's (1.20,
    kustomize v2) when `make k8s-tools` had to fetch it."""
    found = [k for k in (os.environ.get("KUBECTL") or shutil.which("kubectl"), str(DEBIAN_KUBECTL))
             if k and Path(k).exists()]
    if not found:
        raise RuntimeError(f"no kubectl: {HINT}")
    return list(dict.fromkeys(found))


def kustomize(folder: Path, kubectl: str | None = None) -> str:
    result = subprocess.run([kubectl or kubectls()[0], "kustomize", str(folder)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def rendered(overlay: str) -> tuple[dict, ...]:
    return tuple(d for d in yaml.safe_load_all(kustomize(K8S / "overlays" / overlay)) if d)


def of_kind(documents, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def without_hash(text: str) -> str:
    """Generated ConfigMap names end in a hash of their content that each kustomize release
    computes its own way."""
    return re.sub(r"(keycloak-realm)-[a-z0-9]{10}\b", r"\1", text)


def model_errors(documents) -> list:
    """Per document None or its errors, against the Kubernetes and CRD schemas (validate.mjs)."""
    node_modules = K8S / "node_modules"
    _tool(node_modules / "kubernetes-models")
    result = subprocess.run(["node", str(K8S / "validate.mjs")], input=json.dumps(list(documents)),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def strict_errors(text: str, tmp_path: Path) -> list[str]:
    """kubernetes-validate --strict: core resources against the release's schemas, no field
    unknown to them (custom resources are validate.mjs's)."""
    path = tmp_path / "documents.yaml"
    path.write_text(text)
    result = subprocess.run([_tool(TOOLS / "kubernetes-validate"), "--strict", "--no-warn", "--quiet",
                             "-k", KUBERNETES_VERSION, str(path)], capture_output=True, text=True, timeout=60)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("ERROR")]
    assert errors or result.returncode == 0, result.stdout + result.stderr
    return errors


def compose_errors(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema against the Compose Specification's schema it ships (vendor.compose-spec)."""
    return subprocess.run([_tool(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, timeout=60)
