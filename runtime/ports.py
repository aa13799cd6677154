"""The port each service listens on unless told otherwise (`<NAME>_PORT`): one table for the
services' composition roots, the launcher, compose, the demo and the tests."""

DEFAULT_PORTS: dict[str, int] = {"intake": 8001, "triage": 8002, "caseregie": 8003, "capacity": 8004,
                                 "reporting": 8005}
