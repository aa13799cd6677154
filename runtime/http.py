"""HTTP conventions of the NL API Design Rules: /v1, problem+json, API-Version, OpenAPI."""
import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import db, logscrub, tracing
from runtime.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from runtime.guards import Admission, BodyLimit, ControlCharacters, send_problem
from runtime.identity import Unauthenticated
from runtime.ratelimit import RateLimited

PREFIX = "/v1"
PROBLEM = "application/problem+json"

log = logging.getLogger(__name__)


class InvalidParam(BaseModel):
    name: str
    code: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    invalidParams: list[InvalidParam] | None = None


def problem(request: Request, status: int, title: str, detail: str,
            invalid: list[InvalidParam] | None = None) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, instance=request.url.path,
                   invalidParams=invalid)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM)


def _field_name(loc: tuple) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    name = ""
    for p in parts:
        name += f"[{p}]" if isinstance(p, int) else (f".{p}" if name else str(p))
    return name or "body"


DATABASE_RETRY_AFTER_S = 2


class UnexpectedErrors:
    """An error no handler expected is a 500 problem, and one log line of its type and the code it
    passed through (runtime.logscrub): never its message, the request's body or query, or values,
    which may be a child's personal data. Pure ASGI, inside the trace span (whose own record of an
    exception would carry the message), so the exception never reaches the server's own logging."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if db.unavailable(exc):
                log.warning("%s %s: database unavailable: %s", scope.get("method"), scope.get("path"),
                            logscrub.describe(exc))
                if not started:
                    await send_problem(scope, send, 503, "Service Unavailable",
                                       "The database is not reachable right now; try again later.",
                                       headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})
                return
            span = trace.get_current_span()
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__qualname__))
            trace_id = format(span.get_span_context().trace_id, "032x")
            log.error("unexpected error in %s %s (trace %s): %s\n%s", scope.get("method"), scope.get("path"),
                      trace_id, logscrub.describe(exc), logscrub.safe_traceback(exc))
            if not started:
                await send_problem(scope, send, 500, "Internal server error", "An unexpected error occurred.")


# The HTTP status of each kind of domain error: chosen here, at the edge (the domain names the kind).
STATUS_OF_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (DomainError, 422))


def status_of(exc: DomainError) -> int:
    return next(status for kind, status in STATUS_OF_ERROR if isinstance(exc, kind))


def install_conventions(app: FastAPI, api_version: str, service: str,
                        max_body_bytes: int = 1024 * 1024, max_in_flight: int = 0) -> None:
    logscrub.install()  # no exception message, value or query string in this process's logs
    # Pure ASGI guards inside the version/trace middleware below (so their answers carry both):
    # the body limit outermost, so the control-character check reads a bounded body; innermost
    # the catcher of unexpected errors.
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(ControlCharacters)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(Admission, max_in_flight=max_in_flight)
    for kind, handler in PROBLEMS.items():
        app.add_exception_handler(kind, handler)
    app.add_middleware(VersionAndTrace, tracer=tracing.tracer(service), api_version=api_version)


async def _invalid_request(request: Request, exc: RequestValidationError):
    invalid = [InvalidParam(name=_field_name(tuple(e["loc"])), code=e["type"], reason=e["msg"])
               for e in exc.errors()]
    names = ", ".join(sorted({p.name for p in invalid}))
    return problem(request, 400, "Invalid input", f"Invalid field(s): {names}", invalid)


async def _domain_error(request: Request, exc: DomainError):
    invalid = [InvalidParam(name=exc.field, code=exc.code, reason=exc.detail)] if exc.field else []
    invalid += [InvalidParam(name=name, code=exc.code, reason=reason) for name, reason in exc.fields]
    return problem(request, status_of(exc), exc.title, exc.detail, invalid or None)


async def _unauthenticated(request: Request, exc: Unauthenticated):
    response = problem(request, 401, "Unauthorized", exc.detail)
    description = exc.detail.replace('"', "'").encode("ascii", "replace").decode()
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="jbketen", error="{exc.error}", error_description="{description}"')
    return response


async def _rate_limited(request: Request, exc: RateLimited):
    response = problem(request, 429, "Too Many Requests", exc.detail)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def _http_error(request: Request, exc: HTTPException):
    return problem(request, exc.status_code, _reason(exc.status_code), str(exc.detail))


async def _unexpected(request: Request, exc: Exception):
    """Only for errors outside UnexpectedErrors (a middleware's own); the server logs them after
    this answer, scrubbed by runtime.logscrub."""
    return problem(request, 500, "Internal server error", "An unexpected error occurred.")


PROBLEMS = {RequestValidationError: _invalid_request, DomainError: _domain_error,
            Unauthenticated: _unauthenticated, RateLimited: _rate_limited, HTTPException: _http_error,
            Exception: _unexpected}


class VersionAndTrace:
    """Outermost, pure ASGI: a server span per request (continuing the caller's traceparent) and
    the `API-Version` header on every answer, the guards' and errors' included."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer, api_version: str):
        self.app, self._tracer = app, tracer
        self._version = (b"api-version", api_version.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        parent = tracing.context_from((headers.get(b"traceparent") or b"").decode("latin-1") or None)
        method, path = scope.get("method", ""), scope.get("path", "")
        with self._tracer.start_as_current_span(
            f"{method} {path}", context=parent, kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        ) as span:
            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    message = {**message, "headers": [*message.get("headers", ()), self._version]}
                await send(message)

            await self.app(scope, receive, sending)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def nl_openapi(app: FastAPI, api_version: str) -> dict[str, Any]:
    """FastAPI's schema reshaped to the NL rules: server /v1, version headers, problem errors."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=api_version, description=app.description,
                         routes=app.routes)
    schema["info"]["contact"] = {"name": "jbketen team", "email": "jbketen@rotterdam-rijnmond.example",
                                 "url": "https://jbketen.example/contact"}
    schema["servers"] = [{"url": PREFIX}]
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["InvalidParam"] = schemas["Problem"].pop("$defs")["InvalidParam"]
    problem_ref = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    version_header = {"API-Version": {"description": "Full version of the API.",
                                      "schema": {"type": "string"}}}
    schema["components"]["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "OAuth2 access token (JWT, RS256/ES256) with the claims sub, rol, organisatie "
                       "and, for a local team, gemeente."}}
    paths = {}
    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            _declare_security(op, _roles(app, op["operationId"]))
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", {"description": "Invalid input"})
            _declare_abuse_limits(op, responses)
            responses.setdefault("500", {"description": "Internal server error"})
            for code, response in responses.items():
                if code[0] in "23":
                    response.setdefault("headers", {}).update(version_header)
                elif code[0] in "45":
                    response["content"] = problem_ref
        paths[path.removeprefix(PREFIX) or "/"] = ops
    schema["paths"] = paths
    app.openapi_schema = schema
    return schema


def _roles(app: FastAPI, operation_id: str) -> frozenset[str] | None:
    """The roles that may call an operation (its operationId is its route's name, the key of the
    service's policy); None for a public one (health, and PUBLIC pages)."""
    from runtime.access import PUBLIC
    from runtime.identity import BEHEER

    if operation_id == "health":
        return None
    roles = app.state.runtime.spec.policy.get(operation_id, frozenset({BEHEER}))  # platform: beheer
    return None if roles == PUBLIC else roles


def _declare_security(op: dict, roles: frozenset[str] | None) -> None:
    if roles is None:  # public; a token only adds detail
        op["security"] = [{}, {"bearer": []}]
        return
    op["security"] = [{"bearer": []}]
    op["x-rollen"] = sorted(roles)
    note = f"Roles: {', '.join(sorted(roles))}."
    op["description"] = f"{op['description']}\n\n{note}" if op.get("description") else note
    responses = op.setdefault("responses", {})
    responses.setdefault("401", {"description": "No valid bearer token"})
    responses.setdefault("403", {"description": "The token's role or organisation may not do this"})


def _declare_abuse_limits(op: dict, responses: dict) -> None:
    """413 for a body over the limit, 429 (with Retry-After) for a token over its rate limit."""
    if "requestBody" in op:
        responses.setdefault("413", {"description": "The request body is larger than the limit"})
    responses.setdefault("503", {
        "description": "Too many requests in progress at once: try again after Retry-After seconds",
        "headers": {"Retry-After": {"description": "Seconds to wait before trying again.",
                                    "schema": {"type": "integer"}}}})
    if op["security"] == [{"bearer": []}]:
        responses.setdefault("429", {
            "description": "Too many requests for this token's subject",
            "headers": {"Retry-After": {"description": "Seconds to wait before trying again.",
                                        "schema": {"type": "integer"}}}})


async def unit_of_work(request: Request):
    """FastAPI dependency: a fresh unit of work of the service handling the request."""
    return request.app.state.runtime.uow()


async def message_bus(request: Request):
    """FastAPI dependency: the service's message bus (made by its composition root)."""
    return request.app.state.runtime.bus


async def service_clock(bus=Depends(message_bus)):
    """FastAPI dependency: the clock the service's bus hands its handlers (the one clock)."""
    return bus.dependencies["clock"]


async def service_settings(bus=Depends(message_bus)):
    """FastAPI dependency: the settings the service's bus hands its handlers."""
    return bus.dependencies["settings"]


def voorkeur(request: Request, aanbod: tuple[str, ...]) -> str:
    """The media type of `aanbod` the request's `Accept` prefers (RFC 9110 §12.5.1: the quality of
    the most specific range that matches; on a tie the first offered). Without an Accept, or
    one that names none of them, the first."""
    bereiken = []
    for deel in request.headers.get("accept", "").split(","):
        soort, *params = (x.strip() for x in deel.split(";"))
        q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            bereiken.append((soort.lower(), float(q)))
        except ValueError:
            continue

    def kwaliteit(media: str) -> float:
        hoofd = media.split("/")[0]
        passend = [(3 if b == media else 2 if b == f"{hoofd}/*" else 1, q)
                   for b, q in bereiken if b in (media, f"{hoofd}/*", "*/*")]
        return max(passend)[1] if passend else 0.0

    beste = max(aanbod, key=lambda m: (kwaliteit(m), -aanbod.index(m)))
    return beste if kwaliteit(beste) > 0 else aanbod[0]
