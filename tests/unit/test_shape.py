"""One shape inside every service (issue 13): the same files in the same places, and the layers
import only what their layer may. Read from the source, so a newcomer's rule is also a test."""
import ast
from pathlib import Path

import pytest

from deploy.stack import ROOT, SERVICES

# Every service has these, in these places (cosmicpython's layering).
SAME_FILES = (
    "__main__.py", "bootstrap.py", "settings.py",
    "domain/model.py", "domain/commands.py", "domain/events.py",
    "service_layer/handlers.py", "service_layer/unit_of_work.py",
    "adapters/orm.py", "adapters/repository.py", "adapters/wire.py",
    "entrypoints/api.py", "entrypoints/schemas.py", "entrypoints/policy.py",
    "migrations/env.py",
)

# What a layer may not import (a prefix matches the module and its submodules).
FORBIDDEN = {
    # The domain is pure: no wire contract (the shared vocabulary is allowed), no HTTP, no I/O.
    "domain": ("contracts.events", "contracts.base", "fastapi", "starlette", "pydantic", "sqlalchemy",
               "asyncpg", "aiokafka", "httpx", "runtime.http", "runtime.db", "runtime.uow",
               "runtime.consumer", "runtime.outbox", "services.{name}.adapters",
               "services.{name}.service_layer", "services.{name}.entrypoints"),
    # The service layer knows no HTTP: statuses are chosen in the entrypoints.
    "service_layer": ("fastapi", "starlette", "runtime.http", "services.{name}.entrypoints"),
    "adapters": ("fastapi", "starlette", "runtime.http", "services.{name}.entrypoints",
                 "services.{name}.service_layer"),
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_has_the_same_files_in_the_same_places(name):
    missing = [f for f in SAME_FILES if not (ROOT / "services" / name / f).is_file()]
    assert missing == [], f"services/{name} misses {missing}"


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_only_what_it_may(name, layer):
    rules = [rule.format(name=name) for rule in FORBIDDEN[layer]]
    wrong = [(str(path.relative_to(ROOT)), module)
             for path in sorted((ROOT / "services" / name / layer).rglob("*.py"))
             for module in sorted(_imports(path)) if any(_matches(module, r) for r in rules)]
    assert wrong == []


@pytest.mark.parametrize("name", SERVICES)
def test_no_service_imports_another(name):
    others = [f"services.{other}" for other in SERVICES if other != name]
    wrong = [(str(path.relative_to(ROOT)), module)
             for path in sorted((ROOT / "services" / name).rglob("*.py"))
             for module in sorted(_imports(path)) if any(_matches(module, o) for o in others)]
    assert wrong == []


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The check itself sees both import forms (so the tests above can fail)."""
    source = tmp_path / "m.py"
    source.write_text("import fastapi.routing\nfrom contracts.events import CasusAssigned\n"
                      "from contracts import vocabulary\n")
    found = _imports(source)
    assert _matches("fastapi.routing", "fastapi") and "contracts.events.CasusAssigned" in found
    assert not any(_matches(m, "contracts.events") for m in found - {"contracts.events",
                                                                     "contracts.events.CasusAssigned"})
