"""Guards at the door of every service, as pure ASGI middleware (before any route or model sees
the request):

- `BodyLimit`: a body over the limit is refused with 413 while it is read — at once when its
  Content-Length says so, else as soon as the bytes received pass the limit (chunked bodies
  too) — so a huge body never gets into memory.
- `ControlCharacters`: NUL and the other control characters (Unicode Cc, and lone surrogates,
  which no database stores) in the path, in a query parameter or anywhere in a JSON body are
  400 naming the field. Tab, line feed and carriage return pass in JSON strings (free text may
  have lines); fields of one line refuse them in their model (runtime.fields.Line).
"""
import json
import re
from collections.abc import Iterator
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM = "application/problem+json"
# Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F) and lone surrogates
# (Cs), with or without the line breaks of free text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str, allow_line_breaks: bool = False) -> str | None:
    """The first control character or lone surrogate in `text` (tab, LF and CR pass when
    `allow_line_breaks`)."""
    found = (_CONTROL_BUT_LINE_BREAKS if allow_line_breaks else _CONTROL).search(text)
    return found.group() if found else None


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


async def send_problem(scope: Scope, send: Send, status: int, title: str, detail: str,
                       invalid: list[dict] | None = None, headers: dict[str, str] | None = None) -> None:
    """An RFC 9457 problem straight from ASGI (the app never ran)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": scope.get("path", "")}
    if invalid:
        body["invalidParams"] = invalid
    payload = json.dumps(body, separators=(",", ":")).encode()
    raw = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass


class Admission:
    """At most `max_in_flight` requests at a time; one more is refused at once with 503 and
    Retry-After, instead of waiting in a queue without bound (a report posted into an overloaded
    service is told to come back, not left to time out). Health and open streams (SSE) are not
    counted: a probe always gets in, and listeners do not crowd out requests."""

    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after_s: int = 1):
        self.app, self.max_in_flight, self.retry_after_s = app, max_in_flight, retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or self.max_in_flight <= 0 or path.endswith(("/health", "/stream")):
            return await self.app(scope, receive, send)
        if self.in_flight >= self.max_in_flight:
            return await send_problem(
                scope, send, 503, "Service Unavailable",
                f"more than {self.max_in_flight} requests in progress; try again shortly",
                headers={"Retry-After": str(self.retry_after_s)})
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(scope, send)
        received, exceeded, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to the aborted read is replaced by the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        if exceeded and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_problem(scope, send, 413, "Content Too Large",
                           f"The request body is larger than {self.max_bytes} bytes.")


class ControlCharacters:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        invalid = list(_in_path_and_query(scope))
        if invalid:
            return await _refuse(scope, send, invalid)
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        invalid = list(_in_json(body))
        if invalid:
            return await _refuse(scope, send, invalid)
        await self.app(scope, _replay(body, receive), send)


async def _refuse(scope: Scope, send: Send, invalid: list[dict]) -> None:
    names = ", ".join(sorted({p["name"] for p in invalid}))
    await send_problem(scope, send, 400, "Invalid input", f"Invalid field(s): {names}", invalid)


def _param(name: str, char: str, where: str) -> dict:
    return {"name": name, "code": "control_character",
            "reason": f"{describe(char)} is a control character, not allowed in {where}"}


def _safe(name: str) -> str:
    return name.encode("unicode_escape", "backslashreplace").decode("ascii")


def _in_path_and_query(scope: Scope) -> Iterator[dict]:
    if char := forbidden_character(scope.get("path", "")):
        yield _param("path", char, "the path")
    for key, value in QueryParams(scope.get("query_string", b"")).multi_items():
        if char := forbidden_character(key) or forbidden_character(value):
            yield _param(_safe(key), char, "a query parameter")


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body (BodyLimit, outside, bounds it); None when the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read, then the connection's own messages (a stream waits for its disconnect)."""
    replayed = False

    async def replaying_receive() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying_receive


def _in_json(body: bytes) -> Iterator[dict]:
    if not body.strip():
        return
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own parsing answers
    for name, text, is_key in _strings(document):
        if char := forbidden_character(text, allow_line_breaks=not is_key):
            yield _param(name if not is_key else _safe(name), char, "a name" if is_key else "text")


def _strings(document: Any) -> Iterator[tuple[str, str, bool]]:
    """(field name as the problem names it, string, is it a key) for every string, iteratively
    (a deeply nested document must not exhaust the stack)."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            yield name or "body", value, False
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{name}.{key}" if name else key
                yield child, key, True
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{name}[{i}]", item) for i, item in enumerate(value))
