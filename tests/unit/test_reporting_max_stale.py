"""`Cache-Control: max-stale` on GET /v1/kpis: how stale an answer the caller accepts."""

import math

import pytest
from starlette.requests import Request

from services.reporting.entrypoints.api import max_stale


def _request(cache_control: str | None) -> Request:
    headers = [(b"cache-control", cache_control.encode())] if cache_control is not None else []
    return Request({"type": "http", "method": "GET", "path": "/v1/kpis", "headers": headers})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("no-cache", None),
        ("max-stale", math.inf),
        ("max-stale=30", 30.0),
        ('no-transform, Max-Stale="5"', 5.0),
        ("max-stale=soon", None),
    ],
)
def test_max_stale_is_read_from_the_request(header, expected):
    assert max_stale(_request(header)) == expected
