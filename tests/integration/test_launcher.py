"""`make up` (python -m deploy.up) as a real process: it refuses ports another process holds
before it starts anything, and Ctrl-C stops everything it started, the embedded PostgreSQL too."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import httpx
import psutil
import pytest

from deploy.identity import DevIssuer
from deploy.stack import ROOT, SERVICES, free_port, stop_embedded_postgres
from runtime.clock import clock_from
from runtime.identity import LOKAAL_TEAM
from tests.fixtures import EXAMPLE_MELDING, melding

STARTUP_TIMEOUT_S = 50
STOP_LIMIT_S = 10


def launcher_env(data: Path, ports: dict[str, int], database_url: str | None) -> dict[str, str]:
    """The suite's environment (pinned clock, pseudonym key), the launcher's ports and data dir."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "BROKER_PORT")
           and not any(key.startswith(f"{name.upper()}_") for name in SERVICES)}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update(JBKETEN_DATA_DIR=str(data), PYTHONUNBUFFERED="1", AUTH_JWKS_URL="")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def distinct_free_ports() -> dict[str, int]:
    """A free port for each service and the broker, no two the same."""
    names, ports = [*SERVICES, "broker"], set()
    while len(ports) < len(names):
        ports.add(free_port())
    return dict(zip(names, sorted(ports), strict=True))


def processes_of(data: Path) -> list[psutil.Process]:
    """Every process on this machine whose environment names this launcher's data dir: the
    launcher passes its environment to the services, the broker and PostgreSQL."""
    marker = f"JBKETEN_DATA_DIR={data}"
    found = []
    for process in psutil.process_iter():
        try:
            environ = process.environ()
            if f"JBKETEN_DATA_DIR={environ.get('JBKETEN_DATA_DIR')}" == marker and alive(process):
                found.append(process)
        except psutil.Error:
            continue
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@contextmanager
def held_port(port: int) -> Iterator[None]:
    """A plain listening socket on 127.0.0.1:<port>, as another program would hold it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        yield


@pytest.mark.parametrize("taken", ["caseregie", "broker"])
def test_a_taken_port_stops_the_launcher_before_it_starts_anything(tmp_path, taken):
    ports = distinct_free_ports()
    data = tmp_path / "data"
    server = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    env = launcher_env(data, {n: p for n, p in ports.items() if n != "broker"}, server)
    env["BROKER_PORT"] = str(ports["broker"])
    with held_port(ports[taken]):
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "deploy.up"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=30)
        took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert took < 10, output
    lines = [line for line in output.splitlines() if str(ports[taken]) in line]
    assert len(lines) == 1, output
    if taken == "broker":
        assert "Kafka broker" in lines[0] and "BROKER_PORT" in lines[0], lines
        assert "KAFKA_BOOTSTRAP_SERVERS" in lines[0], lines
    else:
        assert f"({taken})" in lines[0] and f"{taken.upper()}_PORT" in lines[0], lines
    assert "jbketen is up" not in output
    # Nothing started: no data dir made (no PostgreSQL, logs, keys), no process left behind.
    assert not data.exists()
    assert processes_of(data) == []


class Output:
    """The launcher's merged stdout/stderr, read line by line in a thread."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: any(text in line for line in self.lines)
                                          or not self._thread.is_alive(), timeout)

    def wait_closed(self, timeout: float) -> None:
        self._thread.join(timeout)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def started_processes(launcher: subprocess.Popen, data: Path) -> tuple[list[psutil.Process], psutil.Process]:
    """The services and the broker (the launcher's children) and the embedded postmaster with its
    backends (a daemon: pg_ctl detaches it)."""
    children = psutil.Process(launcher.pid).children(recursive=True)
    postmaster = psutil.Process(int((data / "postgres" / "postmaster.pid").read_text().split()[0]))
    return [*children, postmaster, *postmaster.children(recursive=True)], postmaster


def add_stale_handle(pgdata: Path) -> None:
    """Put the pid of a process that is gone into the wheel's handle list, as a killed earlier run
    leaves it: the wheel's own exit handler then leaves the server running."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    handles = pgdata / ".handle_pids.json"
    handles.write_text(json.dumps([*json.loads(handles.read_text()), gone.pid]))


@pytest.fixture
def launcher_data() -> Iterator[Path]:
    # Under the checkout: the embedded server runs as its own user when root and needs access.
    data = ROOT / ".data" / f"test-launcher-{uuid.uuid4().hex[:8]}"
    try:
        yield data
    finally:
        for process in processes_of(data):
            with suppress(psutil.Error):
                if process.name() != "postgres":
                    process.kill()
        stop_embedded_postgres(data / "postgres")
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_ctrl_c_stops_everything_the_launcher_started(launcher_data, presses):
    ports = distinct_free_ports()
    env = launcher_env(launcher_data, {n: p for n, p in ports.items() if n != "broker"}, None)
    env["BROKER_PORT"] = str(ports["broker"])
    launcher = subprocess.Popen([sys.executable, "-m", "deploy.up"], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output = Output(launcher)
    try:
        assert output.wait_for("jbketen is up", STARTUP_TIMEOUT_S), output.text
        assert "jbketen is up" in output.text, output.text
        started, postmaster = started_processes(launcher, launcher_data)
        add_stale_handle(launcher_data / "postgres")
        assert len(started) >= len(SERVICES) + 2, started  # services, broker, postmaster
        stopping = time.monotonic()
        launcher.send_signal(signal.SIGINT)
        if presses == 2:
            assert output.wait_for("stopping...", 5), output.text
            launcher.send_signal(signal.SIGINT)
        returncode = launcher.wait(STOP_LIMIT_S)
        took = time.monotonic() - stopping
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    output.wait_closed(2)
    assert took < STOP_LIMIT_S and returncode == 0, output.text
    assert output.lines[-1] == "stopped.", output.text
    assert [p for p in started if alive(p)] == []
    assert not alive(postmaster)
    assert not (launcher_data / "postgres" / "postmaster.pid").exists()
    assert processes_of(launcher_data) == []


class HalfSent:
    """A report's body sent in two halves: the second only once `go` is set, so the request is in
    flight, its headers and half its body read by intake, whenever the test wants."""

    def __init__(self, report: dict):
        self.body = json.dumps(report).encode()
        self.first_half_sent, self.go = threading.Event(), threading.Event()

    def __iter__(self):
        yield self.body[:len(self.body) // 2]
        self.first_half_sent.set()
        self.go.wait(STOP_LIMIT_S)
        yield self.body[len(self.body) // 2:]


def post_in_two_halves(launcher_data: Path, port: int, body: HalfSent, answers: list) -> None:
    gemeente = EXAMPLE_MELDING["gemeente"]
    env = {**os.environ}
    start, started_at = env.get("CLOCK_START"), env.get("CLOCK_STARTED_AT")
    clock = clock_from(datetime.fromisoformat(start) if start else None,
                       datetime.fromisoformat(started_at) if started_at else None)
    token = DevIssuer(launcher_data / "identity").mint(rol=LOKAAL_TEAM, organisatie=f"WT-{gemeente}",
                                                       gemeente=gemeente, clock=clock)
    try:
        answers.append(httpx.post(f"http://127.0.0.1:{port}/v1/meldingen", content=body, timeout=STOP_LIMIT_S,
                                  headers={"Authorization": f"Bearer {token}",
                                           "Content-Type": "application/json"}))
    except httpx.HTTPError as exc:
        answers.append(exc)


def test_ctrl_c_lets_a_request_in_flight_finish(launcher_data):
    ports = distinct_free_ports()
    env = launcher_env(launcher_data, {n: p for n, p in ports.items() if n != "broker"}, None)
    env["BROKER_PORT"] = str(ports["broker"])
    launcher = subprocess.Popen([sys.executable, "-m", "deploy.up"], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output, answers = Output(launcher), []
    body = HalfSent(melding())
    try:
        assert output.wait_for("jbketen is up", STARTUP_TIMEOUT_S), output.text
        sending = threading.Thread(target=post_in_two_halves,
                                   args=(launcher_data, ports["intake"], body, answers))
        sending.start()
        assert body.first_half_sent.wait(10)
        time.sleep(0.3)  # the headers and the first half read by intake
        launcher.send_signal(signal.SIGINT)
        assert output.wait_for("stopping...", 5), output.text
        time.sleep(1)  # intake is shutting down with the request half read
        body.go.set()
        sending.join(STOP_LIMIT_S)
        returncode = launcher.wait(STOP_LIMIT_S)
    finally:
        body.go.set()
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    output.wait_closed(2)
    assert returncode == 0 and output.lines[-1] == "stopped.", output.text
    assert len(answers) == 1 and isinstance(answers[0], httpx.Response), (answers, output.text)
    assert answers[0].status_code == 201, answers[0].text
    assert processes_of(launcher_data) == []
