"""Composition of one service: settings, database, broker, outbox relay, consumer and HTTP app."""
import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request

from contracts import Event
from contracts.topics import dead_letter_topic
from runtime import db, kafka, leases, tracing
from runtime.access import Policy, authenticated, authorized
from runtime.broker_watch import BrokerWatch
from runtime.clock import Clock, clock_from
from runtime.consumer import EventConsumer, Handler
from runtime.errors import Forbidden
from runtime.http import PREFIX, install_conventions, nl_openapi
from runtime.identity import BEHEER, Principal, TokenVerifier
from runtime.messagebus import Fresh, MessageBus
from runtime.messagebus import Handler as MessageHandler
from runtime.operations import operations_router
from runtime.outbox import OutboxRelay
from runtime.ratelimit import RateLimit, throttled
from runtime.settings import ServiceSettings
from runtime.uow import UnitOfWork
from runtime.wakeups import Wakeups

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    """What a service contributes; the runtime does the rest."""

    name: str
    title: str
    description: str
    default_port: int
    migrations: Path
    uow_class: type[UnitOfWork]
    routers: list[APIRouter]
    settings_class: type[ServiceSettings] = ServiceSettings
    background: list[Callable[["Runtime"], Awaitable[None]]] = field(default_factory=list)
    # Route name -> roles that may call it (runtime.access); a route not named is refused.
    policy: Policy = field(default_factory=dict)
    # The message bus (runtime/messagebus.py): command -> its handler, event -> its handlers, as
    # declared next to the handlers; the consumer subscribes to the topics of these events.
    commands: dict[type, MessageHandler] = field(default_factory=dict)
    events: dict[type[Event], list[MessageHandler]] = field(default_factory=dict)
    # Dependencies of the service's own beyond the runtime's (uow, uow_factory, settings, clock);
    # one with a `close()` is closed when the service stops.
    dependencies: Callable[["Runtime"], dict[str, Any]] | None = None

    @property
    def topics(self) -> list[str]:
        """The topics the service consumes: those of the events it handles."""
        return sorted({kind.topic.name for kind in self.events})

    @property
    def handled_types(self) -> set[str]:
        """The CloudEvents types the service handles (any other on its topics is skipped)."""
        return {kind.type for kind in self.events}


def service_bus(spec: ServiceSpec, uow_factory: Callable[[], UnitOfWork], settings: ServiceSettings,
                clock: Clock, **own: Any) -> MessageBus:
    """A service's message bus: its handler maps, with the runtime's dependencies (a fresh unit of
    work per message from `uow_factory`, the factory itself, the settings, the one clock) and the
    service's `own` (ServiceSpec.dependencies)."""
    return MessageBus(spec.commands, spec.events, {"uow": Fresh(uow_factory), "uow_factory": uow_factory,
                                                   "settings": settings, "clock": clock, **own})


def every(interval_setting: str, task: Callable[["Runtime"], Awaitable[object]], woken_by: Hashable = None):
    """A background job for ServiceSpec.background: run `task` every N seconds, N read from the
    named setting (so tests can shorten it), once per interval across the service's replicas
    (runtime/leases.py). Errors are logged and the job carries on. A job `woken_by` a key (the
    command it hands the bus) also runs at once when a unit of work of this process committed work
    for it (`UnitOfWork.wake_after_commit`; runtime/wakeups.py): such a run claims no lease, as
    those jobs lock the rows they send (SKIP LOCKED) and may run side by side."""

    async def job(runtime: "Runtime") -> None:
        interval = getattr(runtime.settings, interval_setting)
        woken = False
        while True:
            try:
                if woken or await leases.claim(runtime.sessions, task.__name__, runtime.clock.now(),
                                               interval):
                    await task(runtime)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: periodic %s failed", runtime.spec.name, task.__name__)
            if woken_by is None:
                await asyncio.sleep(interval)
            else:
                woken = await runtime.wakeups.wait(woken_by, interval)

    job.__name__ = f"every {interval_setting}: {task.__name__}"
    return job


class Runtime:
    """The running resources of one service instance."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings, clock: Clock):
        self.spec = spec
        self.settings = settings
        self.clock = clock
        self.verifier = TokenVerifier(
            issuer=settings.auth_issuer, audience=settings.auth_audience, clock=clock,
            jwks_url=settings.auth_jwks_url, jwks_file=settings.auth_jwks_file,
            leeway_s=settings.auth_leeway_s)
        self.engine = db.create_engine(settings.database_url)
        self.sessions = db.session_factory(self.engine)
        self.relay = OutboxRelay(self.sessions, settings.outbox_poll_interval_s,
                                 settings.outbox_batch_size, clock,
                                 max_record_bytes=settings.kafka_max_request_size,
                                 retry_interval_s=settings.outbox_retry_interval_s)
        self.rate_limit = RateLimit(settings.rate_limit_requests, settings.rate_limit_window_s)
        self.consumer: EventConsumer | None = None
        self.watch = BrokerWatch(settings, [self._broker_is_new], [dead_letter_topic(spec.name)],
                                 sessions=self.sessions, clock=clock)
        self._tasks: list[asyncio.Task] = []
        self.wakeups = Wakeups()  # periodic jobs woken for work committed in this process
        self.own = spec.dependencies(self) if spec.dependencies else {}
        self.bus = service_bus(spec, self.uow, settings, clock, **self.own)

    def _consumer_handlers(self) -> dict[str, Handler]:
        """What the consumer hands each event type to: the bus, with the unit of work that joins
        the consumer's batch."""
        async def through_the_bus(event: Event, uow: UnitOfWork) -> None:
            await self.bus.handle(event, uow=uow)

        return dict.fromkeys(self.spec.handled_types, through_the_bus)

    async def _broker_is_new(self) -> None:
        """Healing after the broker lost its data (topics are created by the watch)."""
        if self.consumer is not None:
            await self.consumer.restart_from_beginning()
        if self.relay.producer is not None:  # partitions picked from the new broker's counts
            await kafka.refresh_metadata(self.relay.producer)
        resent = await self.relay.republish()
        log.warning("%s: %d events queued to be sent again to the new broker", self.spec.name, resent)

    def uow(self) -> UnitOfWork:
        progress = self.consumer.progress if self.consumer is not None else None
        return self.spec.uow_class(self.sessions, self.spec.name, on_commit=self.relay.wake,
                                   settings=self.settings, clock=self.clock, progress=progress,
                                   wakeups=self.wakeups)

    async def start(self) -> None:
        tracing.configure(self.spec.name, self.settings.otel_exporter_otlp_endpoint)
        await db.ensure_database(self.settings.database_url)
        await db.migrate(self.engine, self.spec.migrations)
        await self.watch.start()  # the topics, and the broker's mark (against the one kept)
        producer = kafka.producer(self.settings)  # aiokafka clients need the running loop
        await producer.start()
        self.relay.producer = producer
        if self.spec.handled_types:
            self.consumer = self._event_consumer()
        if self.settings.kafka_self_heal:
            # A broker replaced while this service was down: healed before anything is sent or read.
            await self.watch.catch_up()
            self.relay.watch = self.watch
            self._spawn(self.watch.run, "broker watch")
        self._spawn(self.relay.run, "outbox relay")
        if self.consumer is not None:
            self._spawn(self.consumer.run, "event consumer")
        for job in self.spec.background:
            self._spawn(lambda job=job: job(self), job.__name__)

    def _event_consumer(self) -> EventConsumer:
        return EventConsumer(
            service=self.spec.name, consumer=kafka.consumer(self.settings), topics=self.spec.topics,
            sessions=self.sessions,
            uow_factory=self.uow, handlers=self._consumer_handlers(),
            max_attempts=self.settings.consumer_max_attempts,
            retry_backoff_s=self.settings.consumer_retry_backoff_s, on_commit=self.relay.wake,
            clock=self.clock, batch_size=self.settings.consumer_batch_size,
            idle_wait=kafka.IdleWait.of(self.settings),
        )

    def _spawn(self, run: Callable[[], Awaitable[None]], name: str) -> None:
        async def supervised():
            while True:
                try:
                    return await run()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s: %s crashed, restarting", self.spec.name, name)
                    await asyncio.sleep(1)

        self._tasks.append(asyncio.create_task(supervised(), name=f"{self.spec.name}: {name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        await self.watch.stop()
        if self.consumer:
            await self.consumer.stop()
        with suppress(Exception):
            await self.relay.publish_pending()
        if self.relay.producer:
            await self.relay.producer.stop()
        for dependency in self.own.values():  # what a service's own dependencies hold (processes)
            if not isinstance(dependency, type) and callable(close := getattr(dependency, "close", None)):
                close()  # (a class handed over as a factory is not closed)
        await self.engine.dispose()

    async def health(self) -> tuple[bool, dict]:
        report: dict = {"service": self.spec.name}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            report["database"] = "up"
            report["outbox_backlog"] = await self.relay.backlog()
            report["outbox_parked"], report["parked_events"] = await self.relay.parked()
        except Exception as exc:
            report["database"] = f"down: {type(exc).__name__}"
        report["relay_error"] = self.relay.last_error
        report["broker"] = {"mark": self.watch.mark, "healed": self.watch.heals,
                            "self_heal": self.settings.kafka_self_heal, "error": self.watch.last_error}
        if self.consumer:
            report["consumer"] = {
                "joined": self.consumer.joined,
                "processed": self.consumer.processed,
                "dead_lettered": self.consumer.dead_lettered,
                "assigned_partitions": self.consumer.assigned_partitions(),
                "lag": await self.consumer.lag() if self.consumer.joined else None,
                "duplicates": self.consumer.duplicates,
                "careful_batches": self.consumer.careful_batches,
                "last_event_time": (self.consumer.last_event_time.isoformat()
                                    if self.consumer.last_event_time else None),
            }
        tasks_alive = all(not t.done() for t in self._tasks)
        consuming = self.consumer is None or self.consumer.joined
        healthy = report["database"] == "up" and tasks_alive and consuming
        # Up, but some events could not be sent (parked): they need operations' attention.
        degraded = healthy and bool(report.get("outbox_parked"))
        report["status"] = "degraded" if degraded else "up" if healthy else "down"
        return healthy, report


# FastAPI's own telemetry (newer versions) would start a second, unrelated trace per request and
# record query strings, which may name a child: the runtime's span (runtime.http) is the one.
_NO_NATIVE_TELEMETRY = ({"telemetry": {"tracing": False, "metrics": False, "logs": False,
                                       "operation_spans": False}}
                        if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {})


def build_app(spec: ServiceSpec, settings: ServiceSettings | None = None,
              clock: Clock | None = None) -> FastAPI:
    """The composition root of a service process: settings, the one clock, the runtime, the app."""
    settings = settings or spec.settings_class.for_service(spec.name, spec.default_port)
    runtime = Runtime(spec, settings, clock or clock_from(settings.clock_start, settings.clock_started_at,
                                                         settings.clock_file))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=spec.title, description=spec.description, version=settings.api_version,
                  lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None,
                  # operationId = the route's name = its key in the service's policy
                  generate_unique_id_function=lambda route: route.name, **_NO_NATIVE_TELEMETRY)
    app.state.runtime = runtime
    install_conventions(app, settings.api_version, spec.name, max_body_bytes=settings.max_body_bytes,
                        max_in_flight=settings.http_max_in_flight)
    for router in spec.routers:
        app.include_router(router, prefix=PREFIX, dependencies=[Depends(authorized), Depends(throttled)])
    app.include_router(_platform_router(app, settings), prefix=PREFIX)
    app.include_router(operations_router(), prefix=PREFIX,
                       dependencies=[Depends(beheer_only), Depends(throttled)])
    return app


def _platform_router(app: FastAPI, settings: ServiceSettings) -> APIRouter:
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import JSONResponse

    router = APIRouter(tags=["platform"])

    @router.get("/health", summary="Liveness and readiness of this service",
                description="`status` is `up`, `degraded` (up, but some events could not be sent "
                            "to the broker and are parked) or `down` (503). Without a token only "
                            "`{\"status\": ...}`; with a `beheer` token the details (database, outbox "
                            "backlog, parked events with their reasons, relay, consumer, lag).")
    async def health(request: Request) -> JSONResponse:
        healthy, report = await request.app.state.runtime.health()
        if not await _is_beheer(request):
            report = {"status": report["status"]}
        return JSONResponse(report, status_code=200 if healthy else 503)

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(nl_openapi(app, settings.api_version))

    @router.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url=f"{PREFIX}/openapi.json", title=app.title)

    return router


async def _is_beheer(request: Request) -> bool:
    if not request.headers.get("authorization"):
        return False
    return (await authenticated(request)).is_a(BEHEER)


async def beheer_only(principal: Principal = Depends(authenticated)) -> Principal:
    if not principal.is_a(BEHEER):
        raise Forbidden(f"role {principal.rol} may not call the platform's operations; they need beheer")
    return principal


class _Server(uvicorn.Server):
    """uvicorn's server with its housekeeping once a second instead of ten times (a wakeup of every
    service 10 times a second at rest): the Date header it keeps changes once a second anyway, and
    a signal to stop is seen within the second."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000  # uvicorn counts ticks of 0.1 s
            await asyncio.sleep(1.0)
            should_exit = await self.on_tick(counter)


def serve(spec: ServiceSpec) -> None:
    """Entry point of `python -m services.<name>`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = spec.settings_class.for_service(spec.name, spec.default_port)
    config = uvicorn.Config(build_app(spec, settings), host=settings.host, port=settings.port,
                            log_level="info", timeout_graceful_shutdown=settings.shutdown_grace_s)
    _Server(config).run()
