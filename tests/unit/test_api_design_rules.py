"""Each service's OpenAPI document passes the NL API Design Rules linter (Spectral) without errors."""
import json
import subprocess
from pathlib import Path

import pytest

from runtime.http import nl_openapi
from runtime.service import build_app
from services.capacity.bootstrap import SPEC as CAPACITY
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.intake.bootstrap import SPEC as INTAKE
from services.reporting.bootstrap import SPEC as REPORTING
from services.triage.bootstrap import SPEC as TRIAGE

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
SEVERITY = {0: "error", 1: "warn", 2: "info", 3: "hint"}


def ruleset() -> Path:
    """The official ruleset from shared/ beside the clone, else the checked-in copy of it."""
    shared = ROOT.parent / "shared" / "adr" / "linter.yaml"
    return shared if shared.is_file() else ROOT / "tests" / "api" / "nl-api-linter.yaml"


@pytest.mark.parametrize("spec", [INTAKE, TRIAGE, CASEREGIE, CAPACITY, REPORTING], ids=lambda s: s.name)
def test_openapi_follows_nl_api_design_rules(spec, tmp_path):
    assert SPECTRAL.exists(), (
        f"Spectral is not installed ({SPECTRAL} is missing): run `make test`, "
        "which installs it into ./node_modules with npm"
    )
    document = tmp_path / f"{spec.name}-openapi.json"
    document.write_text(json.dumps(nl_openapi(build_app(spec), "1.0.0"), indent=2))
    report = tmp_path / "spectral.json"  # a file: on stdout Spectral appends a plain-text summary

    run = subprocess.run(
        [str(SPECTRAL), "lint", "-r", str(ruleset()), str(document), "--fail-severity=error",
         "-f", "json", "-o", str(report)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    try:
        results = json.loads(report.read_text())
    except (OSError, json.JSONDecodeError):
        pytest.fail(f"spectral exited {run.returncode} without a JSON report:\n{run.stdout}\n{run.stderr}")

    errors = [r for r in results if r.get("severity") == 0]
    problems = "\n".join(
        f"{SEVERITY.get(r.get('severity'), r.get('severity'))} {r.get('code')} at "
        f"{'.'.join(map(str, r.get('path', [])))}: {r.get('message')}"
        for r in errors
    )
    assert not errors, f"{spec.name}: {len(errors)} NL API Design Rules error(s):\n{problems}"
    assert run.returncode == 0, f"spectral exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
