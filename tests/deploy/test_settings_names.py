"""Compose, Kubernetes and `make up` configure the services with the same names, and every name is
a setting the service reads (runtime/settings.py: the field's name upper-cased, plain or with the
service's prefix), so that no setting is silently ignored (ServiceSettings ignores unknown names)."""
import ast
import importlib
import re

import pytest
import yaml

from runtime.ports import DEFAULT_PORTS
from tests.deploy.tools import OVERLAYS, ROOT, of_kind, rendered

SERVICES = tuple(DEFAULT_PORTS)
# Read by the image, not the service: which service to run (Dockerfile).
IMAGE_NAMES = {"SERVICE"}
REFERENCE = re.compile(r"\$\((\w+)\)")


def fields(service: str) -> set[str]:
    settings = importlib.import_module(f"services.{service}.bootstrap").SPEC.settings_class
    return {name.upper() for name in settings.model_fields}


def is_setting(service: str, name: str) -> bool:
    prefix = f"{service.upper()}_"
    plain = name[len(prefix):] if name.startswith(prefix) else name
    return name in IMAGE_NAMES or plain in fields(service)


def k8s_names(overlay: str, service: str) -> set[str]:
    """The names a service's container gets: its ConfigMaps (envFrom) and env, less the helpers
    that only go into another value as $(NAME)."""
    documents = rendered(overlay)
    [container] = of_kind(documents, "Deployment")[service]["spec"]["template"]["spec"]["containers"]
    maps = of_kind(documents, "ConfigMap")
    names = {key for ref in container["envFrom"] for key in maps[ref["configMapRef"]["name"]]["data"]}
    env = container.get("env", [])
    helpers = {m for e in env for m in REFERENCE.findall(e.get("value", ""))}
    return names | {e["name"] for e in env} - helpers


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_names(service: str) -> set[str]:
    return set(_compose()["services"][service]["environment"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_kubernetes_names_are_settings(overlay, service):
    unknown = sorted(n for n in k8s_names(overlay, service) if not is_setting(service, n))
    assert not unknown, f"{service} reads no setting named {unknown}"


def test_compose_shared_names_are_settings():
    """x-service-env goes to all five: each of its names is a setting of at least one."""
    shared = set(_compose()["x-service-env"])
    assert not sorted(n for n in shared if not any(is_setting(s, n) for s in SERVICES))


@pytest.mark.parametrize("service", SERVICES)
def test_compose_names_are_settings_and_kubernetes_has_them_all(service):
    own = compose_names(service) - set(_compose()["x-service-env"])
    assert not sorted(n for n in own if not is_setting(service, n))
    read = {n for n in compose_names(service) if is_setting(service, n)}
    missing = read - k8s_names("prod", service)
    assert not missing, f"compose sets {sorted(missing)} for {service}, Kubernetes does not"


def _launcher_names() -> set[str]:
    """The names deploy/stack.py, deploy/up.py and deploy/identity.py put into the services'
    environment: `env[NAME] = ...`, and the keys of dicts built as `env = {...}` or returned by an
    `..._env` function."""
    names = set()
    for path in ("deploy/stack.py", "deploy/up.py", "deploy/identity.py"):
        tree = ast.parse((ROOT / path).read_text())
        dicts = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "env" for t in node.targets):
                dicts.append(node.value)
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) \
                    and getattr(node.value, "id", "") == "env" and isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_env"):
                dicts += [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
        for value in dicts:
            if isinstance(value, ast.Dict):
                names |= {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return names - {"PYTHONUNBUFFERED"}


def test_make_up_names_are_settings():
    names = _launcher_names()
    assert {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "PORT", "AUTH_ISSUER", "PSEUDONYM_KEY"} <= names
    every = {n for s in SERVICES for n in fields(s)} | IMAGE_NAMES
    stray = sorted(n for n in names if not any(is_setting(s, n) for s in SERVICES) and n not in every)
    assert not stray, f"make up sets {stray}, which no service reads"
