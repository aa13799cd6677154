import importlib

import pytest

from runtime.http import PROBLEM, nl_openapi
from runtime.service import build_app

SERVICES = ["intake", "triage", "caseregie", "capacity", "reporting"]


@pytest.fixture(scope="module", params=SERVICES)
def schema(request):
    spec = importlib.import_module(f"services.{request.param}.bootstrap").SPEC
    return nl_openapi(build_app(spec), "1.0.0")


def _operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_server_is_v1_and_paths_are_relative(schema):
    assert schema["servers"] == [{"url": "/v1"}]
    assert schema["paths"]
    assert not [p for p in schema["paths"] if p.startswith("/v1")]
    assert "/health" in schema["paths"]


def test_errors_are_problems(schema):
    for name, op in _operations(schema):
        responses = op["responses"]
        assert "422" not in responses, name
        assert PROBLEM in responses["400"]["content"], name
        for code, response in responses.items():
            if code[0] in "45":
                assert list(response["content"]) == [PROBLEM], f"{name} {code}"
    assert "Problem" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_success_responses_have_version_header(schema):
    for name, op in _operations(schema):
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, name
        for code in success:
            assert "API-Version" in op["responses"][code]["headers"], f"{name} {code}"


def test_contact(schema):
    assert schema["info"]["version"] == "1.0.0"
    assert {"name", "email", "url"} <= set(schema["info"]["contact"])
    assert all(schema["info"]["contact"].values())
